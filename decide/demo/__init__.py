"""The demo city (DESIGN.md §6). Idempotent: every row is found before it is created."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from decide.components import get_manifest
from decide.core.models import Organization
from decide.core.models import User
from decide.core.models import utcnow
from decide.core.passwords import hash_password
from decide.demo.accountability import load_accountability
from decide.demo.budgets import load_budgets
from decide.demo.green_streets import load_participation
from decide.extensions import db
from decide.spaces.models import Process
from decide.spaces.models import ProcessRole
from decide.spaces.models import Role
from decide.spaces.models import Scope
from decide.spaces.services import activate_phase
from decide.spaces.services import add_component
from decide.spaces.services import create_category
from decide.spaces.services import create_phase
from decide.spaces.services import create_process
from decide.spaces.services import create_scope
from decide.spaces.services import grant_role
from decide.spaces.services import publish_component
from decide.spaces.services import publish_process
from decide.spaces.services import today_here


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    nickname: str
    name: str
    locale: str
    role: str
    admin: bool = False
    roles: tuple[tuple[str, Role], ...] = ()  # (process slug, role in that process)

    @property
    def is_staff(self) -> bool:
        return self.admin or bool(self.roles)


BOTH = ("green-streets", "district-budgets")

# Listed in README.md too; the passwords pass the app's own rules (staff: 15+ characters,
# none holding its owner's nickname, name or e-mail address).
DEMO_ACCOUNTS = (
    DemoAccount("admin@decide.example", "harbour-lantern-orchard-42", "council", "Marta Vidal",
                "en", "organization admin", admin=True),
    DemoAccount("jordi@decide.example", "amber-quarry-windmill-58", "jordi", "Jordi Serra",
                "ca", "process admin of Green Streets and District Budgets",
                roles=tuple((slug, Role.PROCESS_ADMIN) for slug in BOTH)),
    DemoAccount("sofia@decide.example", "cobalt-thistle-harbour-19", "sofia", "Sofía Marín",
                "es", "moderator of Green Streets and District Budgets",
                roles=tuple((slug, Role.MODERATOR) for slug in BOTH)),
    DemoAccount("nadia@decide.example", "saffron-canyon-lattice-64", "nadia", "Nadia Benali",
                "fr", "valuator of Green Streets and District Budgets",
                roles=tuple((slug, Role.VALUATOR) for slug in BOTH)),
    # Maria is the verified resident (decide/demo/budgets.py verifies her against the demo
    # census); Lucas is not verified.
    DemoAccount("maria@decide.example", "river-bicycle-garden", "maria", "Maria Puig", "ca",
                "resident, verified (Centre district)"),
    DemoAccount("lucas@decide.example", "meadow-violin-comet", "lucas", "Lucas Moreau", "fr",
                "resident, not verified"),
    DemoAccount("ana@decide.example", "pepper-tram-sunrise", "ana", "Ana García", "es",
                "resident, verified (Riverside district)"),
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


# --- the processes (DESIGN.md §6) ------------------------------------------------------------

def t(en: str, es: str, ca: str, fr: str) -> dict[str, str]:
    return {"en": en, "es": es, "ca": ca, "fr": fr}


SCOPES = (
    ("centre", t("Centre", "Centro", "Centre", "Centre-ville")),
    ("north", t("North", "Norte", "Nord", "Nord")),
    ("riverside", t("Riverside", "Ribera", "Ribera", "Les Berges")),
    ("old-town", t("Old Town", "Casco Antiguo", "Barri Vell", "Vieille Ville")),
)

PHASE_NAMES = {
    "information": t("Information", "Información", "Informació", "Information"),
    "proposals": t("Proposals", "Propuestas", "Propostes", "Propositions"),
    "supports": t("Supports", "Apoyos", "Suports", "Soutiens"),
    "evaluation": t("Evaluation", "Evaluación", "Avaluació", "Évaluation"),
    "projects": t("Project proposals", "Propuestas de proyectos", "Propostes de projectes",
                  "Propositions de projets"),
    "voting": t("Voting", "Votación", "Votació", "Vote"),
    "results": t("Results", "Resultados", "Resultats", "Résultats"),
    "implementation": t("Implementation", "Ejecución", "Execució", "Mise en œuvre"),
    "workshops": t("Workshops", "Talleres", "Tallers", "Ateliers"),
    "debates": t("Debates", "Debates", "Debats", "Débats"),
    "conclusions": t("Conclusions", "Conclusiones", "Conclusions", "Conclusions"),
}

PHASE_TEXTS = {
    "information": t("<p>Learn what the process is about and how to take part.</p>",
                     "<p>Conoce de qué trata el proceso y cómo participar.</p>",
                     "<p>Coneix de què tracta el procés i com participar-hi.</p>",
                     "<p>Découvrez l'objet du processus et comment participer.</p>"),
    "proposals": t("<p>Any resident can write a proposal.</p>",
                   "<p>Cualquier vecino puede escribir una propuesta.</p>",
                   "<p>Qualsevol veí pot escriure una proposta.</p>",
                   "<p>Tout habitant peut rédiger une proposition.</p>"),
    "supports": t("<p>Support the proposals you want the council to study.</p>",
                  "<p>Apoya las propuestas que quieres que estudie el ayuntamiento.</p>",
                  "<p>Dona suport a les propostes que vols que estudiï l'ajuntament.</p>",
                  "<p>Soutenez les propositions que la mairie doit étudier.</p>"),
    "voting": t("<p>Every verified resident casts one ballot per district budget.</p>",
                "<p>Cada vecino verificado emite una papeleta por presupuesto de distrito.</p>",
                "<p>Cada veí verificat emet una papereta per pressupost de districte.</p>",
                "<p>Chaque habitant vérifié vote une fois par budget de quartier.</p>"),
    "implementation": t("<p>Follow the progress of every winning project.</p>",
                        "<p>Sigue el avance de cada proyecto ganador.</p>",
                        "<p>Segueix l'avenç de cada projecte guanyador.</p>",
                        "<p>Suivez l'avancement de chaque projet lauréat.</p>"),
}

PAGE_NAME = t("How this process works", "Cómo funciona este proceso",
              "Com funciona aquest procés", "Comment fonctionne ce processus")


@dataclass(frozen=True)
class DemoProcess:
    slug: str
    title: dict
    subtitle: dict
    description: dict
    starts: int  # days from today
    ends: int
    phases: tuple[tuple[str, int, int], ...]  # (name, starts, ends) in days from today
    active: str | None  # the phase active now
    categories: tuple[tuple[dict, tuple[dict, ...]], ...] = ()  # (name, subcategories)
    scope: str | None = None
    promoted: bool = False
    automatic_phases: bool = False
    published: bool = True


MOBILITY = (t("Mobility", "Movilidad", "Mobilitat", "Mobilité"), (
    t("Cycling", "Bicicleta", "Bicicleta", "Vélo"),
    t("Walking", "A pie", "A peu", "Marche à pied"),
))
PUBLIC_SPACE = (t("Public space", "Espacio público", "Espai públic", "Espace public"), ())
CULTURE = (t("Culture and sport", "Cultura y deporte", "Cultura i esport", "Culture et sport"), (
    t("Sports facilities", "Instalaciones deportivas", "Instal·lacions esportives",
      "Équipements sportifs"),
))

PROCESSES = (
    DemoProcess(
        "green-streets",
        t("Green Streets", "Calles Verdes", "Carrers Verds", "Rues vertes"),
        t("More trees, shade and safe walking in every neighbourhood",
          "Más árboles, sombra y paseos seguros en cada barrio",
          "Més arbres, ombra i passejos segurs a cada barri",
          "Plus d'arbres, d'ombre et de marche sûre dans chaque quartier"),
        t("<p>Summers are getting hotter. The council will plant <strong>2,000 trees</strong> "
          "and turn streets into shaded walking routes. Tell us where.</p>\n"
          "<p>Write a proposal, support the ones you like and follow the answers.</p>",
          "<p>Los veranos son cada vez más calurosos. El ayuntamiento plantará "
          "<strong>2.000 árboles</strong> y convertirá calles en paseos con sombra. "
          "Dinos dónde.</p>\n<p>Escribe una propuesta, apoya las que te gusten y sigue las "
          "respuestas.</p>",
          "<p>Els estius són cada cop més calorosos. L'ajuntament plantarà "
          "<strong>2.000 arbres</strong> i convertirà carrers en passejos amb ombra. "
          "Digues-nos on.</p>\n<p>Escriu una proposta, dona suport a les que t'agradin i "
          "segueix les respostes.</p>",
          "<p>Les étés sont de plus en plus chauds. La mairie plantera "
          "<strong>2 000 arbres</strong> et fera des rues des promenades ombragées. "
          "Dites-nous où.</p>\n<p>Rédigez une proposition, soutenez celles qui vous plaisent "
          "et suivez les réponses.</p>"),
        starts=-30, ends=120,
        phases=(("information", -30, -15), ("proposals", -14, 16), ("supports", 17, 45),
                ("evaluation", 46, 90), ("results", 91, 120)),
        active="proposals",
        categories=(
            (t("Trees and green areas", "Árboles y zonas verdes", "Arbres i zones verdes",
               "Arbres et espaces verts"), (
                t("Street trees", "Arbolado urbano", "Arbrat urbà", "Arbres d'alignement"),
                t("Community gardens", "Huertos comunitarios", "Horts comunitaris",
                  "Jardins partagés"))),
            MOBILITY,
            PUBLIC_SPACE,
        ),
        scope="centre", promoted=True, automatic_phases=True,
    ),
    DemoProcess(
        "district-budgets",
        t("District Budgets", "Presupuestos de distrito", "Pressupostos de districte",
          "Budgets de quartier"),
        t("Decide how to spend €3 million, district by district",
          "Decide cómo gastar 3 millones de euros, distrito a distrito",
          "Decideix com gastar 3 milions d'euros, districte a districte",
          "Décidez comment dépenser 3 millions d'euros, quartier par quartier"),
        t("<p>Each district has its own budget. The projects come from residents' proposals "
          "that the council found feasible.</p>\n<p>Choose the projects you want, within the "
          "budget of your district.</p>",
          "<p>Cada distrito tiene su propio presupuesto. Los proyectos vienen de propuestas "
          "vecinales que el ayuntamiento ha considerado viables.</p>\n<p>Elige los proyectos "
          "que quieres, dentro del presupuesto de tu distrito.</p>",
          "<p>Cada districte té el seu propi pressupost. Els projectes provenen de propostes "
          "veïnals que l'ajuntament ha considerat viables.</p>\n<p>Tria els projectes que "
          "vulguis, dins del pressupost del teu districte.</p>",
          "<p>Chaque quartier a son propre budget. Les projets viennent des propositions des "
          "habitants jugées réalisables par la mairie.</p>\n<p>Choisissez les projets que vous "
          "voulez, dans le budget de votre quartier.</p>"),
        starts=-120, ends=60,
        phases=(("information", -120, -101), ("projects", -100, -61), ("evaluation", -60, -8),
                ("voting", -7, 14), ("results", 15, 60)),
        active="voting",
        categories=(
            MOBILITY,
            CULTURE,
            (t("Social services", "Servicios sociales", "Serveis socials", "Services sociaux"),
             (t("Elderly care", "Atención a mayores", "Atenció a la gent gran",
                "Aide aux aînés"),)),
        ),
        promoted=True, automatic_phases=True,
    ),
    DemoProcess(
        "budget-of-last-year",
        t("Budget of last year", "Presupuesto del año pasado", "Pressupost de l'any passat",
          "Budget de l'an dernier"),
        t("The winning projects are being built: follow them",
          "Los proyectos ganadores se están construyendo: síguelos",
          "Els projectes guanyadors s'estan construint: segueix-los",
          "Les projets lauréats sont en chantier : suivez-les"),
        t("<p>Last year residents chose the projects of the city budget. See how each one "
          "is progressing.</p>",
          "<p>El año pasado los vecinos eligieron los proyectos del presupuesto de la ciudad. "
          "Mira cómo avanza cada uno.</p>",
          "<p>L'any passat els veïns van triar els projectes del pressupost de la ciutat. "
          "Mira com avança cadascun.</p>",
          "<p>L'an dernier, les habitants ont choisi les projets du budget de la ville. "
          "Voyez où en est chacun.</p>"),
        starts=-450, ends=180,
        phases=(("proposals", -450, -391), ("supports", -390, -361),
                ("evaluation", -360, -301), ("voting", -300, -271),
                ("implementation", -270, 180)),
        active="implementation",
        categories=(MOBILITY, PUBLIC_SPACE, CULTURE),
    ),
    DemoProcess(
        "riverside-park",
        t("Riverside Park Plan", "Plan del Parque de la Ribera", "Pla del Parc de la Ribera",
          "Plan du parc des Berges"),
        t("Design the new park by the river with us",
          "Diseña con nosotros el nuevo parque junto al río",
          "Dissenya amb nosaltres el nou parc al costat del riu",
          "Concevez avec nous le nouveau parc au bord de la rivière"),
        t("<p>The old warehouses by the river will become a park. Workshops start soon.</p>",
          "<p>Los antiguos almacenes junto al río serán un parque. Pronto empiezan los "
          "talleres.</p>",
          "<p>Els antics magatzems del costat del riu seran un parc. Aviat comencen els "
          "tallers.</p>",
          "<p>Les anciens entrepôts au bord de la rivière deviendront un parc. Les ateliers "
          "commencent bientôt.</p>"),
        starts=21, ends=200,
        phases=(("information", 21, 40), ("workshops", 41, 80), ("proposals", 81, 140),
                ("results", 141, 200)),
        active=None,
        categories=((t("Parks", "Parques", "Parcs", "Parcs"), (
            t("Playgrounds", "Parques infantiles", "Parcs infantils", "Aires de jeux"),)),
            CULTURE),
        scope="riverside",
    ),
    DemoProcess(
        "old-town-squares",
        t("Old Town Squares", "Plazas del Casco Antiguo", "Places del Barri Vell",
          "Places de la Vieille Ville"),
        t("How we redesigned the squares of the old town",
          "Cómo rediseñamos las plazas del casco antiguo",
          "Com vam redissenyar les places del barri vell",
          "Comment nous avons réaménagé les places de la vieille ville"),
        t("<p>Residents debated and chose the new layout of five squares. Read the "
          "conclusions.</p>",
          "<p>Los vecinos debatieron y eligieron la nueva distribución de cinco plazas. Lee "
          "las conclusiones.</p>",
          "<p>Els veïns van debatre i triar la nova distribució de cinc places. Llegeix les "
          "conclusions.</p>",
          "<p>Les habitants ont débattu et choisi le nouvel aménagement de cinq places. "
          "Lisez les conclusions.</p>"),
        starts=-400, ends=-30,
        phases=(("information", -400, -371), ("debates", -370, -251),
                ("proposals", -250, -121), ("conclusions", -120, -30)),
        active="conclusions",
        categories=(PUBLIC_SPACE,
                    (t("Heritage", "Patrimonio", "Patrimoni", "Patrimoine"), (
                        t("Historic buildings", "Edificios históricos", "Edificis històrics",
                          "Bâtiments historiques"),))),
        scope="old-town",
    ),
    # Being prepared: unpublished, so only the staff see it (with the preview banner).
    DemoProcess(
        "night-buses",
        t("Night Buses", "Autobuses nocturnos", "Autobusos nocturns", "Bus de nuit"),
        t("New night routes between the districts",
          "Nuevas líneas nocturnas entre los distritos",
          "Noves línies nocturnes entre els districtes",
          "De nouvelles lignes de nuit entre les quartiers"),
        t("<p>A draft: the council is preparing this process.</p>",
          "<p>Un borrador: el ayuntamiento está preparando este proceso.</p>",
          "<p>Un esborrany: l'ajuntament està preparant aquest procés.</p>",
          "<p>Un brouillon : la mairie prépare ce processus.</p>"),
        starts=60, ends=180,
        phases=(("information", 60, 89), ("proposals", 90, 180)),
        active=None,
        categories=(MOBILITY,),
        scope="north",
        published=False,
    ),
)


def load_scopes(actor: User) -> dict[str, Scope]:
    scopes = {}
    for code, name in SCOPES:
        scope = db.session.scalars(select(Scope).where(Scope.code == code)).first()
        scopes[code] = scope or create_scope(actor, name=name, code=code)
    return scopes


def _by_english(items, english: str, attribute: str):
    return next((item for item in items if getattr(item, attribute).get("en") == english), None)


def load_process(actor: User, demo: DemoProcess, scopes: dict[str, Scope], today) -> Process:
    """The process, its phases, categories and page, each found by its natural key first."""

    def day(offset: int):
        return today + timedelta(days=offset)

    process = db.session.scalars(select(Process).where(Process.slug == demo.slug)).first()
    if process is None:
        process = create_process(
            actor, slug=demo.slug, title=demo.title, subtitle=demo.subtitle,
            description=demo.description, start_date=day(demo.starts), end_date=day(demo.ends),
            scope_id=scopes[demo.scope].id if demo.scope else None, promoted=demo.promoted,
            automatic_phases=demo.automatic_phases,
        )
        if demo.published:
            publish_process(actor, process)
    for name, starts, ends in demo.phases:
        title = PHASE_NAMES[name]
        if _by_english(process.phases, title["en"], "title") is None:
            phase = create_phase(actor, process, title=title,
                                 description=PHASE_TEXTS.get(name, {}),
                                 start_date=day(starts), end_date=day(ends))
            if name == demo.active:
                activate_phase(actor, phase)
    for name, children in demo.categories:
        parent = _by_english(process.categories, name["en"], "name")
        if parent is None:
            parent = create_category(actor, process, name=name)
        for child in children:
            if _by_english(process.categories, child["en"], "name") is None:
                create_category(actor, process, name=child, parent_id=parent.id)
    if not any(c.manifest_name == "pages" and c.name.get("en") == PAGE_NAME["en"]
               for c in process.components):
        page = add_component(actor, process, manifest_name="pages", name=PAGE_NAME)
        get_manifest("pages").seed(page)
        publish_component(actor, page)
    return process


def load_roles(actor: User, users: dict[str, User]) -> None:
    for account in DEMO_ACCOUNTS:
        user = users[account.nickname]
        for slug, role in account.roles:
            process = db.session.scalars(select(Process).where(Process.slug == slug)).one()
            held = db.session.scalars(
                select(ProcessRole).where(ProcessRole.process_id == process.id,
                                          ProcessRole.user_id == user.id)
            ).first()
            if held is None:
                grant_role(actor, process, identifier=account.email, role=role)


def load_demo() -> None:
    load_organization()
    users = load_accounts()
    actor = users["council"]
    today = today_here()
    scopes = load_scopes(actor)
    for demo in PROCESSES:
        load_process(actor, demo, scopes, today)
    load_roles(actor, users)
    load_participation(actor, users)
    load_budgets(actor, users)
    load_accountability(actor)
