"""The spaces factories (create_process, grant...) for the permission and security sweeps."""

from tests.spaces.conftest import create_category  # noqa: F401 - fixtures
from tests.spaces.conftest import create_component  # noqa: F401
from tests.spaces.conftest import create_phase  # noqa: F401
from tests.spaces.conftest import create_process  # noqa: F401
from tests.spaces.conftest import create_scope  # noqa: F401
from tests.spaces.conftest import grant  # noqa: F401
