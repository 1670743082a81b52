"""The demo city (DESIGN.md §6). Idempotent: every row is found before it is created."""

from dataclasses import dataclass

from sqlalchemy import select

from decide.core.models import Organization
from decide.core.models import User
from decide.core.models import utcnow
from decide.core.passwords import hash_password
from decide.extensions import db


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    nickname: str
    name: str
    locale: str
    role: str
    admin: bool = False


# Listed in README.md too; the passwords pass the app's own rules (staff: 15+ characters).
DEMO_ACCOUNTS = (
    DemoAccount("admin@decide.example", "harbour-lantern-orchard-42", "council", "Marta Vidal",
                "en", "organization admin", admin=True),
    DemoAccount("maria@decide.example", "river-bicycle-garden", "maria", "Maria Puig", "ca",
                "resident"),
    DemoAccount("lucas@decide.example", "meadow-violin-comet", "lucas", "Lucas Moreau", "fr",
                "resident"),
    DemoAccount("ana@decide.example", "pepper-tram-sunrise", "ana", "Ana García", "es",
                "resident"),
)

LEGAL_TEXTS = {
    "terms_of_service": {
        "en": "<p>Take part with respect. Proposals and comments are "
              "public and signed with your nickname. The council may hide content that breaks "
              "these terms.</p>",
        "es": "<p>Participa con respeto. Las propuestas y los "
              "comentarios son públicos y firmados con tu alias. El ayuntamiento puede ocultar "
              "el contenido que incumpla estas condiciones.</p>",
        "ca": "<p>Participa amb respecte. Les propostes i els "
              "comentaris són públics i signats amb el teu àlies. L'ajuntament pot amagar el "
              "contingut que incompleixi aquestes condicions.</p>",
        "fr": "<p>Participez avec respect. Les propositions "
              "et les commentaires sont publics et signés de votre pseudonyme. La mairie peut "
              "masquer les contenus qui enfreignent ces conditions.</p>",
    },
    "privacy_policy": {
        "en": "<p>We keep your e-mail address to sign you in and to tell "
              "you what happens to your participation. You can download your data or delete "
              "your account at any time from your account page.</p>",
        "es": "<p>Guardamos tu correo electrónico para que "
              "puedas entrar y para contarte qué pasa con tu participación. Puedes descargar "
              "tus datos o eliminar tu cuenta en cualquier momento desde tu cuenta.</p>",
        "ca": "<p>Guardem la teva adreça electrònica perquè "
              "puguis entrar i per explicar-te què passa amb la teva participació. Pots "
              "descarregar les teves dades o eliminar el teu compte quan vulguis.</p>",
        "fr": "<p>Nous gardons votre adresse e-mail pour "
              "vous connecter et vous informer de la suite de votre participation. Vous pouvez "
              "télécharger vos données ou supprimer votre compte à tout moment.</p>",
    },
    "accessibility_statement": {
        "en": "<p>This site aims to meet WCAG 2.1 level AA. "
              "Every page is checked automatically in a real browser. Tell us about any barrier "
              "you meet and we will fix it.</p>",
        "es": "<p>Este sitio quiere cumplir las WCAG 2.1 "
              "nivel AA. Cada página se comprueba automáticamente en un navegador real. "
              "Cuéntanos cualquier barrera que encuentres y la corregiremos.</p>",
        "ca": "<p>Aquest lloc vol complir les WCAG 2.1 "
              "nivell AA. Cada pàgina es comprova automàticament en un navegador real. "
              "Explica'ns qualsevol barrera que trobis i la corregirem.</p>",
        "fr": "<p>Ce site vise la conformité WCAG 2.1 "
              "niveau AA. Chaque page est vérifiée automatiquement dans un vrai navigateur. "
              "Signalez-nous tout obstacle et nous le corrigerons.</p>",
    },
}


def load_organization() -> Organization:
    organization = db.session.scalars(select(Organization).limit(1)).first()
    if organization is None:
        organization = Organization(
            name="Vilanova City Council",
            time_zone="Europe/Madrid",
            default_locale="en",
            available_locales=["en", "es", "ca", "fr"],
            terms_version=1,
            **LEGAL_TEXTS,
        )
        db.session.add(organization)
        db.session.flush()
    return organization


def load_accounts() -> dict[str, User]:
    users = {}
    for account in DEMO_ACCOUNTS:
        user = db.session.scalars(select(User).where(User.email == account.email)).first()
        if user is None:
            user = User(
                email=account.email,
                nickname=account.nickname,
                name=account.name,
                locale=account.locale,
                admin=account.admin,
                password_hash=hash_password(account.password),
                confirmed_at=utcnow(),
                accepted_terms_version=1,
                accepted_terms_at=utcnow(),
            )
            db.session.add(user)
        users[account.nickname] = user
    db.session.flush()
    return users


def load_demo() -> None:
    load_organization()
    load_accounts()
