"""Pages: a translated rich-text page inside a process ("How this process works")."""

from babel.dates import format_date
from flask_babel import lazy_gettext as _l
from markupsafe import escape

from decide.components import Manifest
from decide.components.pages.admin import bp as admin_bp
from decide.components.pages.services import excerpt
from decide.components.pages.services import save_page
from decide.components.pages.views import bp
from decide.core.i18n import translate

# Demo text (DESIGN.md §6): staff write it in the organization's languages.
SEED_TEXT = {
    "en": ("Here is how this process works: what you can do in each phase and how the "
           "council decides.", "The phases",
           "Every resident with an account can take part. The council answers every proposal "
           "and publishes how each decision is carried out."),
    "es": ("Así funciona este proceso: qué puedes hacer en cada fase y cómo decide el "
           "ayuntamiento.", "Las fases",
           "Cualquier vecina o vecino con una cuenta puede participar. El ayuntamiento responde "
           "a cada propuesta y publica cómo se lleva a cabo cada decisión."),
    "ca": ("Així funciona aquest procés: què pots fer a cada fase i com decideix "
           "l'ajuntament.", "Les fases",
           "Qualsevol veí o veïna amb un compte hi pot participar. L'ajuntament respon cada "
           "proposta i publica com es porta a terme cada decisió."),
    "fr": ("Voici comment fonctionne ce processus : ce que vous pouvez faire à chaque phase "
           "et comment la mairie décide.", "Les phases",
           "Tout habitant ayant un compte peut participer. La mairie répond à chaque "
           "proposition et publie la mise en œuvre de chaque décision."),
}


def _seed(component) -> None:
    """The demo page: an introduction, then the phases of the process with their dates."""
    body = {}
    for code, (intro, heading, closing) in SEED_TEXT.items():
        phases = "".join(
            f"\n  <li><strong>{escape(translate(phase.title, code))}</strong>: "
            f"{format_date(phase.start_date, 'long', locale=code)} – "
            f"{format_date(phase.end_date, 'long', locale=code)}</li>"
            for phase in component.process.phases
        )
        # One block a line, so that staff can edit the text in the back office.
        body[code] = f"<p>{intro}</p>\n" + (
            f"<h2>{heading}</h2>\n<ol>{phases}\n</ol>\n" if phases else ""
        ) + f"<p>{closing}</p>"
    save_page(None, component, body=body)


manifest = Manifest(
    name="pages",
    label=_l("Page"),
    public=bp,
    admin=admin_bp,
    summary=excerpt,
    seed=_seed,
)
