"""Pages: a translated rich-text page inside a process ("How this process works")."""

from flask_babel import lazy_gettext as _l

from decide.components import Manifest
from decide.components.pages.admin import bp as admin_bp
from decide.components.pages.services import save_page
from decide.components.pages.views import bp


def _seed(component) -> None:
    save_page(None, component, body={
        "en": "<p>Read how this process works, its phases and how your ideas are decided.</p>",
        "es": "<p>Lee cómo funciona este proceso, sus fases y cómo se deciden tus ideas.</p>",
        "ca": "<p>Llegeix com funciona aquest procés, les seves fases i com es decideixen "
              "les teves idees.</p>",
        "fr": "<p>Découvrez comment fonctionne ce processus, ses phases et comment vos idées "
              "sont décidées.</p>",
    })


manifest = Manifest(
    name="pages",
    label=_l("Page"),
    public=bp,
    admin=admin_bp,
    admin_entry="edit",
    seed=_seed,
)
