"""Budget of last year in its implementation phase (DESIGN.md §6, process 3): what the
council did with each winning project, and what residents said about it.

Each winning project becomes a result (named by the project's key, decide/demo/budget_data.py);
two of them are split into parts carried out one after the other ("P12.1"). A result's story
is the council's progress updates in order, each on a day counted from today; its residents
follow it and, once it is completed, some say whether it was done as promised, in their own
language. Staff texts are in the four languages of the demo.
"""

from dataclasses import dataclass

from decide.demo.budget_data import t

NAME = t("What we are doing", "Qué estamos haciendo", "Què estem fent", "Ce que nous faisons")

# Residents who confirm must be verified, as in the vote.
SETTINGS = {"comments_enabled": True, "verify_confirm": True}

# The day the component was published and the results made from the winners (after the
# winners were confirmed, decide.demo.budgets.LAST_YEAR_DAYS["winners"]).
PUBLISHED = -265
# The days the voters who follow a result chose to (the offer came with "result_created").
FOLLOWED = (-262, -250)


def p(*texts: str) -> dict[str, str]:
    """A one-paragraph description in the four languages."""
    return {code: f"<p>{text}</p>" for code, text in zip(("en", "es", "ca", "fr"), texts,
                                                         strict=True)}


@dataclass(frozen=True)
class Update:
    """A progress update: the status (a key of the default statuses), the progress when set
    by hand, and the timeline entry published with it (title, description)."""

    day: int
    status: str | None  # None: only the entry, the status stays
    entry: tuple[dict, dict] | None = None
    progress: int | None = None


@dataclass(frozen=True)
class DemoResult:
    key: str  # the project's key for a result from a winner; "P12.1" for a part of one
    title: dict
    description: dict
    start: int  # days from today
    end: int
    scope: str | None  # a district code (decide.demo.SCOPES)
    category: str = ""  # the English name of the category; "" keeps the project's
    amount: int | None = None  # a part's; a winner's is its project's
    story: tuple[Update, ...] = ()

    @property
    def parent(self) -> str:
        return self.key.split(".")[0] if "." in self.key else ""


@dataclass(frozen=True)
class DemoConfirmation:
    result: str
    nickname: str
    answer: str  # "yes", "partly", "no"
    comment: str  # in the resident's language
    day: int


TENDER = (t("Tender published", "Licitación publicada", "Licitació publicada",
            "Appel d'offres publié"),
          p("Companies have four weeks to send their offers.",
            "Las empresas tienen cuatro semanas para presentar sus ofertas.",
            "Les empreses tenen quatre setmanes per presentar les seves ofertes.",
            "Les entreprises ont quatre semaines pour envoyer leurs offres."))
WORKS_STARTED = (t("Works started", "Obras iniciadas", "Obres iniciades", "Travaux commencés"),
                 p("The site is fenced off; expect some noise on weekdays.",
                   "La zona está vallada; puede haber ruido entre semana.",
                   "La zona està tancada; hi pot haver soroll entre setmana.",
                   "Le chantier est clôturé ; du bruit est possible en semaine."))


RESULTS = (
    DemoResult(
        "P9",
        t("An open-air cinema in the summer", "Cine al aire libre en verano",
          "Cinema a la fresca a l'estiu", "Un cinéma en plein air l'été"),
        p("Free films in the parks on summer evenings, chosen with the neighbourhood "
          "associations.",
          "Películas gratis en los parques las noches de verano, elegidas con las "
          "asociaciones de vecinos.",
          "Pel·lícules gratuïtes als parcs les nits d'estiu, triades amb les associacions "
          "de veïns.",
          "Des films gratuits dans les parcs les soirs d'été, choisis avec les associations "
          "de quartier."),
        start=-170, end=-90, scope=None,
        story=(
            Update(-230, "in_preparation", (
                t("Films chosen", "Películas elegidas", "Pel·lícules triades", "Films choisis"),
                p("Twelve films voted by the neighbourhood associations.",
                  "Doce películas votadas por las asociaciones de vecinos.",
                  "Dotze pel·lícules votades per les associacions de veïns.",
                  "Douze films votés par les associations de quartier."))),
            Update(-170, "in_progress", (
                t("First screening", "Primera sesión", "Primera sessió", "Première séance"),
                p("Riverside Park, 10 pm: 420 people came.",
                  "Parque de la Ribera, a las 22 h: vinieron 420 personas.",
                  "Parc de la Ribera, a les 22 h: hi van venir 420 persones.",
                  "Parc des Berges, 22 h : 420 personnes sont venues."))),
            Update(-90, "completed", (
                t("Season closed", "Temporada cerrada", "Temporada tancada", "Saison terminée"),
                p("12 screenings in 6 parks, 4,300 spectators.",
                  "12 sesiones en 6 parques, 4.300 espectadores.",
                  "12 sessions a 6 parcs, 4.300 espectadors.",
                  "12 séances dans 6 parcs, 4 300 spectateurs."))),
        )),
    DemoResult(
        "P5",
        t("A skate park by the river", "Un skatepark junto al río",
          "Un skatepark al costat del riu", "Un skatepark au bord de la rivière"),
        p("A concrete skate park for beginners and experts, designed with the local skaters.",
          "Un skatepark de hormigón para principiantes y expertos, diseñado con los "
          "patinadores del barrio.",
          "Un skatepark de formigó per a principiants i experts, dissenyat amb els "
          "patinadors del barri.",
          "Un skatepark en béton pour débutants et confirmés, conçu avec les skateurs du "
          "quartier."),
        start=-150, end=-7, scope="riverside",
        story=(
            Update(-210, "in_preparation", TENDER),
            Update(-150, "in_progress", WORKS_STARTED),
            Update(-80, None, (
                t("Halfway", "A mitad de obra", "A mig fer", "À mi-parcours"),
                p("The bowl is poured; the ramps come next.",
                  "El bowl está hormigonado; ahora vienen las rampas.",
                  "El bowl ja està formigonat; ara venen les rampes.",
                  "Le bowl est coulé ; les rampes suivent."))),
            Update(-7, "completed", (
                t("Opened to the public", "Abierto al público", "Obert al públic",
                  "Ouvert au public"),
                p("Open every day from 9 am to 10 pm.",
                  "Abierto todos los días de 9 a 22 h.",
                  "Obert cada dia de 9 a 22 h.",
                  "Ouvert tous les jours de 9 h à 22 h."))),
        )),
    DemoResult(
        "P8",
        t("Secure bike parking at the train station",
          "Aparcamiento seguro de bicicletas en la estación",
          "Aparcament segur de bicicletes a l'estació",
          "Un parking à vélos sécurisé à la gare"),
        p("A covered, locked bike park beside the station's main entrance.",
          "Un aparcamiento de bicicletas cubierto y cerrado junto a la entrada principal "
          "de la estación.",
          "Un aparcament de bicicletes cobert i tancat al costat de l'entrada principal de "
          "l'estació.",
          "Un parking à vélos couvert et fermé à côté de l'entrée principale de la gare."),
        start=-60, end=-2, scope="centre",
        story=(
            Update(-150, "in_preparation", (
                t("Site agreed with the railway company", "Lugar acordado con la compañía "
                  "ferroviaria", "Lloc acordat amb la companyia ferroviària",
                  "Emplacement convenu avec la compagnie ferroviaire"),
                p("The old taxi rank becomes the bike park.",
                  "La antigua parada de taxis será el aparcamiento.",
                  "L'antiga parada de taxis serà l'aparcament.",
                  "L'ancienne station de taxis devient le parking à vélos."))),
            Update(-60, "in_progress", WORKS_STARTED),
            Update(-2, "completed", (
                t("Opened to the public", "Abierto al público", "Obert al públic",
                  "Ouvert au public"),
                p("120 covered places; open with the transport card.",
                  "120 plazas cubiertas; se abre con la tarjeta de transporte.",
                  "120 places cobertes; s'obre amb la targeta de transport.",
                  "120 places couvertes ; ouverture avec la carte de transport."))),
        )),
    DemoResult(
        "P6",
        t("The library open on Sundays for a year",
          "La biblioteca abierta los domingos durante un año",
          "La biblioteca oberta els diumenges durant un any",
          "La bibliothèque ouverte le dimanche pendant un an"),
        p("The central library opens every Sunday morning for a year; the council counts the "
          "visits to decide whether to keep it.",
          "La biblioteca central abre todos los domingos por la mañana durante un año; el "
          "ayuntamiento cuenta las visitas para decidir si lo mantiene.",
          "La biblioteca central obre cada diumenge al matí durant un any; l'ajuntament "
          "compta les visites per decidir si ho manté.",
          "La bibliothèque centrale ouvre tous les dimanches matin pendant un an ; la mairie "
          "compte les visites pour décider de continuer ou non."),
        start=-238, end=127, scope="centre",
        story=(
            Update(-245, "in_preparation", (
                t("Staff hired", "Personal contratado", "Personal contractat",
                  "Personnel recruté"),
                p("Two librarians for Sunday mornings.",
                  "Dos bibliotecarios para los domingos por la mañana.",
                  "Dos bibliotecaris per als diumenges al matí.",
                  "Deux bibliothécaires pour le dimanche matin."))),
            Update(-238, "in_progress", (
                t("First Sunday open", "Primer domingo abierto", "Primer diumenge obert",
                  "Premier dimanche d'ouverture"),
                p("310 visitors on the first morning.",
                  "310 visitantes la primera mañana.",
                  "310 visitants el primer matí.",
                  "310 visiteurs le premier matin."))),
            Update(-120, None, None, progress=32),
            Update(-30, "in_progress", (
                t("Halfway", "A mitad de camino", "A mig camí", "À mi-parcours"),
                p("Nine months open: 9,800 visits, a third of them children.",
                  "Nueve meses abierta: 9.800 visitas, un tercio de ellas de niños.",
                  "Nou mesos oberta: 9.800 visites, un terç de les quals d'infants.",
                  "Neuf mois d'ouverture : 9 800 visites, dont un tiers d'enfants.")),
                progress=65),
        )),
    DemoResult(
        "P2",
        t("Resurface the ring-road cycle lane", "Renovar el carril bici de la ronda",
          "Renovar el carril bici de la ronda", "Refaire la piste cyclable du boulevard"),
        p("New surface and markings on the 4 km of the ring-road cycle lane.",
          "Nuevo firme y señalización en los 4 km del carril bici de la ronda.",
          "Nou paviment i senyalització als 4 km del carril bici de la ronda.",
          "Un nouveau revêtement et un marquage sur les 4 km de la piste du boulevard."),
        start=-100, end=60, scope="north",
        story=(
            Update(-160, "in_preparation", TENDER),
            Update(-100, "in_progress", WORKS_STARTED),
            Update(-20, "in_progress", (
                t("2.4 km of 4 done", "2,4 km de 4 hechos", "2,4 km de 4 fets",
                  "2,4 km sur 4 terminés"),
                p("The northern half is open again; the works move to the east.",
                  "La mitad norte vuelve a estar abierta; las obras pasan al este.",
                  "La meitat nord torna a estar oberta; les obres passen a l'est.",
                  "La moitié nord est rouverte ; le chantier passe à l'est.")),
                progress=60),
        )),
    DemoResult(
        "P4",
        t("Pedestrian priority around schools", "Prioridad peatonal alrededor de las escuelas",
          "Prioritat per als vianants al voltant de les escoles",
          "Priorité aux piétons autour des écoles"),
        p("Level streets and walking speed around five schools, so children can walk there.",
          "Calles a un solo nivel y velocidad de paseo alrededor de cinco escuelas, para que "
          "los niños puedan ir a pie.",
          "Carrers de plataforma única i velocitat de pas al voltant de cinc escoles, perquè "
          "els infants hi puguin anar a peu.",
          "Des rues de plain-pied et une vitesse au pas autour de cinq écoles, pour que les "
          "enfants puissent y aller à pied."),
        start=30, end=150, scope="old-town",
        story=(
            Update(-40, "in_preparation", (
                t("Designs shown to the families", "Diseños presentados a las familias",
                  "Dissenys presentats a les famílies", "Plans présentés aux familles"),
                p("Each school's families saw the plans of their street and asked for "
                  "changes.",
                  "Las familias de cada escuela vieron los planos de su calle y pidieron "
                  "cambios.",
                  "Les famílies de cada escola van veure els plànols del seu carrer i van "
                  "demanar canvis.",
                  "Les familles de chaque école ont vu les plans de leur rue et demandé des "
                  "changements."))),
        )),
    # Two winners carried out in parts; the winner's result follows its parts' progress.
    DemoResult(
        "P12",
        t("Refuge islands on the crossings of Avinguda Nova",
          "Isletas en los pasos de la avenida Nueva",
          "Illetes als passos de l'avinguda Nova",
          "Des îlots refuges sur les passages de l'avenue Neuve"),
        p("Safe islands halfway across the six crossings of the avenue, built in three "
          "stages so the avenue stays open.",
          "Isletas seguras a medio cruce en los seis pasos de la avenida, en tres fases "
          "para que la avenida siga abierta.",
          "Illetes segures a mig pas en els sis passos de l'avinguda, en tres fases perquè "
          "l'avinguda continuï oberta.",
          "Des îlots sûrs à mi-chemin sur les six passages de l'avenue, en trois étapes "
          "pour que l'avenue reste ouverte."),
        start=-170, end=90, scope="centre",
        story=(
            Update(-175, "in_progress", (
                t("Works planned in three stages", "Obras en tres fases", "Obres en tres fases",
                  "Travaux en trois étapes"),
                p("Two crossings at a time, starting by the square.",
                  "Dos pasos cada vez, empezando por la plaza.",
                  "Dos passos cada vegada, començant per la plaça.",
                  "Deux passages à la fois, en commençant par la place."))),
        )),
    DemoResult(
        "P12.1",
        t("Crossings 1 and 2, by Plaça Nova", "Pasos 1 y 2, junto a la plaza Nueva",
          "Passos 1 i 2, a tocar de la plaça Nova", "Passages 1 et 2, près de la place Neuve"),
        p("The two crossings by the square, the busiest ones.",
          "Los dos pasos junto a la plaza, los más transitados.",
          "Els dos passos de la plaça, els més transitats.",
          "Les deux passages près de la place, les plus fréquentés."),
        start=-170, end=-110, scope="centre", category="Walking", amount=60_000,
        story=(
            Update(-170, "in_progress", WORKS_STARTED),
            Update(-110, "completed", (
                t("Opened to the public", "Abierto al público", "Obert al públic",
                  "Ouvert au public"),
                p("Both islands in use, with new lighting.",
                  "Las dos isletas en uso, con iluminación nueva.",
                  "Les dues illetes en ús, amb il·luminació nova.",
                  "Les deux îlots en service, avec un nouvel éclairage."))),
        )),
    DemoResult(
        "P12.2",
        t("Crossings 3 and 4, by the market", "Pasos 3 y 4, junto al mercado",
          "Passos 3 i 4, a tocar del mercat", "Passages 3 et 4, près du marché"),
        p("The two crossings between the market and the health centre.",
          "Los dos pasos entre el mercado y el centro de salud.",
          "Els dos passos entre el mercat i el centre de salut.",
          "Les deux passages entre le marché et le centre de santé."),
        start=-15, end=45, scope="centre", category="Walking", amount=70_000,
        story=(
            Update(-60, "in_preparation", TENDER),
            Update(-15, "in_progress", WORKS_STARTED),
        )),
    DemoResult(
        "P12.3",
        t("Crossings 5 and 6, by the ring road", "Pasos 5 y 6, junto a la ronda",
          "Passos 5 i 6, a tocar de la ronda", "Passages 5 et 6, près du boulevard"),
        p("The last two crossings, where the avenue meets the ring road.",
          "Los dos últimos pasos, donde la avenida se encuentra con la ronda.",
          "Els dos últims passos, on l'avinguda es troba amb la ronda.",
          "Les deux derniers passages, là où l'avenue rejoint le boulevard."),
        start=50, end=90, scope="centre", category="Walking", amount=70_000,
        story=(
            Update(-15, None, (
                t("Planned for the spring", "Previsto para la primavera",
                  "Previst per a la primavera", "Prévu pour le printemps"),
                p("They start once crossings 3 and 4 are open.",
                  "Empezarán cuando estén abiertos los pasos 3 y 4.",
                  "Començaran quan els passos 3 i 4 estiguin oberts.",
                  "Ils commenceront une fois les passages 3 et 4 ouverts."))),
        )),
    DemoResult(
        "P7",
        t("Drinking fountains in every park", "Fuentes de agua potable en todos los parques",
          "Fonts d'aigua potable a tots els parcs", "Des fontaines dans tous les parcs"),
        p("A drinking fountain in each of the city's twelve parks, in two stages.",
          "Una fuente de agua potable en cada uno de los doce parques de la ciudad, en dos "
          "fases.",
          "Una font d'aigua potable a cadascun dels dotze parcs de la ciutat, en dues fases.",
          "Une fontaine dans chacun des douze parcs de la ville, en deux étapes."),
        start=-150, end=60, scope=None,
        story=(
            Update(-155, "in_progress", (
                t("Twelve parks, two stages", "Doce parques, dos fases", "Dotze parcs, dues fases",
                  "Douze parcs, deux étapes"),
                p("The Centre's seven parks first, then those by the river and in the North.",
                  "Primero los siete parques del Centro, luego los de la Ribera y el Norte.",
                  "Primer els set parcs del Centre, després els de la Ribera i el Nord.",
                  "D'abord les sept parcs du Centre-ville, puis ceux des Berges et du Nord."))),
        )),
    DemoResult(
        "P7.1",
        t("Fountains in the Centre's parks", "Fuentes en los parques del Centro",
          "Fonts als parcs del Centre", "Fontaines dans les parcs du Centre-ville"),
        p("Seven fountains, one in each park of the Centre.",
          "Siete fuentes, una en cada parque del Centro.",
          "Set fonts, una a cada parc del Centre.",
          "Sept fontaines, une dans chaque parc du Centre-ville."),
        start=-150, end=-4, scope="centre", category="Public space", amount=35_000,
        story=(
            Update(-150, "in_progress", (
                t("Water connections dug", "Conexiones de agua excavadas",
                  "Connexions d'aigua excavades", "Raccordements d'eau creusés"),
                p("The fountains connect to the irrigation network.",
                  "Las fuentes se conectan a la red de riego.",
                  "Les fonts es connecten a la xarxa de reg.",
                  "Les fontaines se raccordent au réseau d'arrosage."))),
            Update(-4, "completed", (
                t("Seven fountains running", "Siete fuentes funcionando",
                  "Set fonts funcionant", "Sept fontaines en service"),
                p("Cleaned and checked every week.",
                  "Se limpian y revisan cada semana.",
                  "Es netegen i es revisen cada setmana.",
                  "Nettoyées et contrôlées chaque semaine."))),
        )),
    DemoResult(
        "P7.2",
        t("Fountains by the river and in the North", "Fuentes en la Ribera y el Norte",
          "Fonts a la Ribera i al Nord", "Fontaines aux Berges et au Nord"),
        p("Five fountains, in the parks of Riverside and the North.",
          "Cinco fuentes, en los parques de la Ribera y el Norte.",
          "Cinc fonts, als parcs de la Ribera i del Nord.",
          "Cinq fontaines, dans les parcs des Berges et du Nord."),
        start=-30, end=60, scope="riverside", category="Public space", amount=25_000,
        story=(
            Update(-90, "in_preparation", TENDER),
            Update(-30, "in_progress", WORKS_STARTED),
        )),
)

# Voters who follow the results of every project they voted for (most follow two of three).
FOLLOWING_VOTERS = ("ana",)
# Maria did not vote last year (she came to the city since); she chose to follow these
# results on this day.
MARIA_FOLLOWS = ("P5", "P8", "P7.1")
MARIA_FOLLOWED = -12
# Voters who also follow a part of their winner that is near them.
PART_FOLLOWERS = {"P12.1": ("montse", "camille", "kwame"), "P7.1": ("chloe", "raul")}

CONFIRMATIONS = (
    DemoConfirmation("P9", "ines", "yes", "Cada jueves en el parque con mis hijos. "
                     "¡Que se repita!", -88),
    DemoConfirmation("P9", "marc", "partly", "Molt bé, però el so no arribava al fons del "
                     "parc.", -87),
    DemoConfirmation("P9", "priya", "yes", "Lovely evenings, and free.", -85),
    DemoConfirmation("P9", "diego", "no", "Solo hubo dos sesiones en la Ribera: se "
                     "prometieron en todos los parques.", -84),
    DemoConfirmation("P12.1", "montse", "yes", "Ara els nens creuen tranquils.", -105),
    DemoConfirmation("P12.1", "camille", "partly", "Les îlots sont là, mais le feu reste "
                     "trop court pour les personnes âgées.", -100),
    DemoConfirmation("P5", "pau", "yes", "Sempre ple, fins i tot quan plou.", -6),
    DemoConfirmation("P5", "olga", "no", "Las rampas ya tienen grietas y no hay fuente.", -5),
    DemoConfirmation("P5", "maria", "partly", "Els nois el fan servir cada dia, però no hi "
                     "ha ni ombra ni bancs a prop.", -5),
    DemoConfirmation("P7.1", "maria", "yes", "Ja n'he fet servir tres. Perfecte.", -3),
    DemoConfirmation("P7.1", "chloe", "yes", "Enfin de l'eau fraîche au parc !", -3),
    DemoConfirmation("P8", "kwame", "yes", "Exactly what I proposed: covered and locked.", -1),
    DemoConfirmation("P8", "laia", "partly", "Bé, però s'omple abans de les vuit del matí.",
                     -1),
)
# Maria follows the bike parking at the station, completed two days ago, and has not
# answered yet: signed in, she sees the question on its page (README.md).
MARIA_TO_CONFIRM = "P8"
