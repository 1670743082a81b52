"""The factories of tests/spaces (processes, phases, components, roles) serve here too."""

from tests.spaces.conftest import create_category  # noqa: F401
from tests.spaces.conftest import create_component  # noqa: F401
from tests.spaces.conftest import create_phase  # noqa: F401
from tests.spaces.conftest import create_process  # noqa: F401
from tests.spaces.conftest import create_scope  # noqa: F401
from tests.spaces.conftest import grant  # noqa: F401
