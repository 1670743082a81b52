"""Green Streets in its proposal phase (DESIGN.md §6, process 1): what residents wrote.

Residents write in their own language, so each text below is in one language only, as it
would be in a real city. The outcome says what happened to a proposal afterwards.
"""

from dataclasses import dataclass
from dataclasses import field


@dataclass(frozen=True)
class DemoResident:
    nickname: str
    name: str
    locale: str


# Residents of the demo city who take part but do not sign in (their password matches none).
RESIDENTS = (
    DemoResident("pau", "Pau Ferrer", "ca"), DemoResident("laia", "Laia Soler", "ca"),
    DemoResident("oriol", "Oriol Font", "ca"), DemoResident("montse", "Montse Roca", "ca"),
    DemoResident("carmen", "Carmen López", "es"), DemoResident("javier", "Javier Gómez", "es"),
    DemoResident("pilar", "Pilar Sánchez", "es"), DemoResident("ines", "Inés Pérez", "es"),
    DemoResident("camille", "Camille Dubois", "fr"), DemoResident("theo", "Théo Girard", "fr"),
    DemoResident("chloe", "Chloé Lambert", "fr"), DemoResident("grace", "Grace Taylor", "en"),
    DemoResident("samuel", "Samuel Okafor", "en"), DemoResident("fatima", "Fatima El Amrani",
                                                                 "en"),
    DemoResident("mei", "Mei Chen", "en"), DemoResident("priya", "Priya Patel", "en"),
    DemoResident("kwame", "Kwame Mensah", "en"), DemoResident("olga", "Olga Ivanova", "es"),
    DemoResident("arnau", "Arnau Vidal", "ca"), DemoResident("zoe", "Zoé Moreau", "fr"),
)


@dataclass(frozen=True)
class DemoProposal:
    author: str  # a nickname; "" for an official proposal of the council
    locale: str
    title: str
    body: str
    category: str  # the English name of the category, "" for none
    scope: str = ""  # a scope code
    address: str = ""
    # "", "evaluating", "accepted", "rejected", "withdrawn", "draft", "hidden",
    # "answer-pending" (answered, answer not published yet)
    outcome: str = ""
    cost: int | None = None
    answer: dict[str, str] = field(default_factory=dict)  # the council's, in every language
    supporters: int = 0  # how many residents support it
    endorsers: int = 0


PROPOSALS = (
    DemoProposal("maria", "ca", "Arbres a tot el carrer Major, de la plaça al riu",
                 "El carrer Major no té ni una ombra a l'estiu. Proposo plantar arbres a banda "
                 "i banda, amb escocells amples perquè les arrels no aixequin la vorera.",
                 "Street trees", "centre", "Carrer Major", "accepted", 48000,
                 {"en": "We will plant 36 plane trees in the autumn planting season.",
                  "es": "Plantaremos 36 plátanos de sombra en la campaña de otoño.",
                  "ca": "Plantarem 36 plàtans a la campanya de plantació de la tardor.",
                  "fr": "Nous planterons 36 platanes lors de la campagne d'automne."}, 14, 4),
    DemoProposal("grace", "en", "Shaded benches along the riverside walk",
                 "Older neighbours stop walking by the river in July because there is nowhere "
                 "to rest in the shade. A bench under a tree every 200 metres would do.",
                 "Public space", "riverside", "Riverside walk", "accepted", 22000,
                 {"en": "Twelve benches will be installed next to existing trees.",
                  "es": "Se instalarán doce bancos junto a árboles existentes.",
                  "ca": "S'instal·laran dotze bancs al costat d'arbres existents.",
                  "fr": "Douze bancs seront installés à côté d'arbres existants."}, 12, 3),
    DemoProposal("carmen", "es", "Huerto comunitario en el solar de la calle Sol",
                 "El solar lleva diez años vacío. Con un huerto comunitario tendríamos sombra, "
                 "verdura y un lugar de encuentro para el barrio.",
                 "Community gardens", "old-town", "Calle del Sol, 14", "evaluating", None,
                 {"en": "The council is checking who owns the plot and whether its soil is "
                        "clean.",
                  "es": "El ayuntamiento está comprobando de quién es el solar y si su suelo "
                        "está limpio.",
                  "ca": "L'ajuntament està comprovant de qui és el solar i si el sòl és net.",
                  "fr": "La mairie vérifie à qui appartient le terrain et si son sol est "
                        "sain."}, 11, 2),
    DemoProposal("camille", "fr", "Une piste cyclable protégée vers le lycée",
                 "Les élèves vont au lycée à vélo au milieu des voitures. Une piste séparée "
                 "par une bordure rendrait le trajet sûr.",
                 "Cycling", "north", "Avenue du Nord", "accepted", 130000,
                 {"en": "The lane will be built in two stretches, the first one next spring.",
                  "es": "El carril se construirá en dos tramos, el primero la próxima "
                        "primavera.",
                  "ca": "El carril es construirà en dos trams, el primer la primavera vinent.",
                  "fr": "La piste sera construite en deux tronçons, le premier au printemps "
                        "prochain."}, 16, 5),
    DemoProposal("samuel", "en", "Water fountains in every playground",
                 "Children play for hours in the heat. Each playground should have a drinking "
                 "fountain that works all summer.",
                 "Public space", "", "", "accepted", 18000,
                 {"en": "Fountains will be fitted in the nine playgrounds that lack one.",
                  "es": "Se instalarán fuentes en los nueve parques infantiles que no tienen.",
                  "ca": "S'instal·laran fonts als nou parcs infantils que no en tenen.",
                  "fr": "Des fontaines seront installées dans les neuf aires de jeux qui n'en "
                        "ont pas."}, 9, 2),
    DemoProposal("javier", "es", "Aparcamiento subterráneo bajo la plaza Mayor",
                 "Faltan plazas de aparcamiento en el centro. Un aparcamiento bajo la plaza "
                 "liberaría las calles.",
                 "Mobility", "centre", "Plaza Mayor", "rejected", None,
                 {"en": "The square sits on the old town's archaeological remains and cannot "
                        "be dug; the district's parking plan offers 200 spaces on the ring "
                        "road instead.",
                  "es": "La plaza está sobre los restos arqueológicos del casco antiguo y no se "
                        "puede excavar; el plan de aparcamiento del distrito ofrece en su lugar "
                        "200 plazas en la ronda.",
                  "ca": "La plaça és sobre les restes arqueològiques del barri vell i no s'hi "
                        "pot excavar; el pla d'aparcament del districte ofereix en canvi 200 "
                        "places a la ronda.",
                  "fr": "La place repose sur les vestiges archéologiques de la vieille ville et "
                        "ne peut pas être creusée ; le plan de stationnement du quartier "
                        "propose plutôt 200 places sur le boulevard périphérique."}, 3, 0),
    DemoProposal("pau", "ca", "Fer de vianants el carrer de l'Escola a l'hora d'entrada",
                 "Cada matí hi ha cotxes aturats davant l'escola. Tancar el carrer de 8.30 a "
                 "9.15 faria l'entrada molt més segura.",
                 "Walking", "old-town", "Carrer de l'Escola", "evaluating", None,
                 {"en": "The mobility service is counting the traffic at school times before "
                        "deciding.",
                  "es": "El servicio de movilidad está contando el tráfico a la hora de "
                        "entrada antes de decidir.",
                  "ca": "El servei de mobilitat està comptant el trànsit a l'hora d'entrada "
                        "abans de decidir.",
                  "fr": "Le service de la mobilité compte le trafic aux heures d'entrée avant "
                        "de décider."}, 10, 3),
    DemoProposal("priya", "en", "Replace the dead trees on Station Road",
                 "Seven of the trees planted on Station Road three years ago have died. Please "
                 "replace them and water the new ones through their first summers.",
                 "Street trees", "north", "Station Road", "accepted", 9000,
                 {"en": "The seven trees will be replaced and watered for three summers.",
                  "es": "Se sustituirán los siete árboles y se regarán durante tres veranos.",
                  "ca": "Se substituiran els set arbres i es regaran durant tres estius.",
                  "fr": "Les sept arbres seront remplacés et arrosés pendant trois étés."},
                 8, 1),
    DemoProposal("laia", "ca", "Una coberta verda a la parada d'autobús del mercat",
                 "La parada del mercat és al sol tot el dia. Una coberta amb plantes faria "
                 "ombra i ajudaria els pol·linitzadors.",
                 "Trees and green areas", "centre", "Parada Mercat", "", None, {}, 6, 1),
    DemoProposal("theo", "fr", "Des toilettes publiques ouvertes près du parc",
                 "Il n'y a aucune toilette publique près du grand parc. Les familles et les "
                 "personnes âgées en ont besoin.",
                 "Public space", "riverside", "", "rejected", None,
                 {"en": "The park's café already offers free toilets during opening hours, "
                        "which the council pays for; a sign will say so.",
                  "es": "La cafetería del parque ya ofrece aseos gratuitos en su horario, que "
                        "paga el ayuntamiento; un cartel lo indicará.",
                  "ca": "La cafeteria del parc ja ofereix lavabos gratuïts en el seu horari, "
                        "que paga l'ajuntament; un rètol ho indicarà.",
                  "fr": "Le café du parc offre déjà des toilettes gratuites pendant ses heures "
                        "d'ouverture, payées par la mairie ; un panneau l'indiquera."}, 5, 0),
    DemoProposal("fatima", "en", "A safe crossing at the corner of Mill Street and the ring road",
                 "Crossing there takes four lanes with no lights. A signalled crossing would "
                 "connect the estate to the school and the health centre.",
                 "Walking", "north", "Mill Street", "answer-pending", 60000,
                 {"en": "A signalled crossing is feasible and will be built.",
                  "es": "Un paso con semáforo es viable y se construirá.",
                  "ca": "Un pas amb semàfor és viable i es construirà.",
                  "fr": "Un passage piéton avec feux est réalisable et sera construit."},
                 13, 4),
    DemoProposal("pilar", "es", "Más papeleras y recogida selectiva en la ribera",
                 "Los fines de semana la ribera se llena de basura. Faltan papeleras y "
                 "contenedores para reciclar.",
                 "Public space", "riverside", "", "", None, {}, 4, 0),
    DemoProposal("oriol", "ca", "Aparcaments segurs per a bicicletes a l'estació",
                 "A l'estació no hi ha on deixar la bicicleta amb seguretat. Un aparcament "
                 "tancat animaria molta gent a anar-hi en bici.",
                 "Cycling", "north", "Estació", "", None, {}, 7, 2),
    DemoProposal("mei", "en", "Let residents adopt a street tree and water it",
                 "Many of us would water the young tree in front of our door if we knew it "
                 "needed it. An adoption scheme with a sign on each tree would help.",
                 "Street trees", "", "", "", None, {}, 9, 3),
    DemoProposal("chloe", "fr", "Un jardin partagé sur le toit de la bibliothèque",
                 "Le toit de la bibliothèque est plat et inutilisé. Un jardin partagé y serait "
                 "un lieu calme pour apprendre à jardiner.",
                 "Community gardens", "centre", "Bibliothèque centrale", "", None, {}, 3, 1),
    DemoProposal("kwame", "en", "Slow the traffic on School Lane to 20 km/h",
                 "Cars speed down School Lane at pick-up time. A 20 km/h limit with raised "
                 "crossings would protect the children.",
                 "Mobility", "old-town", "School Lane", "", None, {}, 5, 1),
    DemoProposal("montse", "ca", "Recuperar la font de la plaça del Pou",
                 "La font de la plaça del Pou fa anys que no raja. Arreglar-la tornaria la vida "
                 "a la plaça a l'estiu.",
                 "Public space", "old-town", "Plaça del Pou", "", None, {}, 2, 0),
    DemoProposal("ines", "es", "Sombra con toldos en la calle Comercio en verano",
                 "Mientras los árboles crecen, toldos entre las fachadas darían sombra a la "
                 "calle Comercio en julio y agosto.",
                 "Public space", "centre", "Calle Comercio", "", None, {}, 1, 0),
    DemoProposal("olga", "es", "Caminos escolares señalizados en todo el barrio norte",
                 "Marcar en el suelo los recorridos seguros hacia los colegios y acordarlos con "
                 "los comercios, que harían de refugio.",
                 "Walking", "north", "", "", None, {}, 0, 0),
    DemoProposal("arnau", "ca", "Més arbres al pati de l'institut del Nord",
                 "El pati de l'institut és tot asfalt. Plantar-hi arbres i treure part del "
                 "paviment faria un refugi climàtic per al barri.",
                 "Trees and green areas", "north", "Institut del Nord", "", None, {}, 0, 0),
    DemoProposal("zoe", "fr", "Fermer la rue du Marché aux voitures le samedi",
                 "Le samedi, le marché déborde sur la rue et les voitures passent entre les "
                 "gens. Une rue piétonne ce jour-là serait plus sûre.",
                 "Walking", "centre", "Rue du Marché", "withdrawn", None, {}, 0, 0),
    DemoProposal("lucas", "fr", "Des arceaux vélo devant chaque école",
                 "Beaucoup d'enfants viendraient à vélo s'ils pouvaient l'attacher devant "
                 "l'école. Quelques arceaux suffiraient.",
                 "Cycling", "", "", "", None, {}, 4, 1),
    DemoProposal("ana", "es", "Bancos y sombra en la parada del autobús 7",
                 "Esperamos el 7 al sol y de pie. Un banco con marquesina es lo mínimo.",
                 "Mobility", "riverside", "Parada línea 7", "", None, {}, 3, 0),
    DemoProposal("samuel", "en", "Buy my used bikes, cheap prices, call now!!!",
                 "Best prices in town for second-hand bikes, visit my shop and ask for the "
                 "special offer.",
                 "Cycling", "", "", "hidden", None, {}, 0, 0),
    DemoProposal("grace", "en", "Night lighting on the path through the park",
                 "The path through the park is dark after nine and people avoid it. Low, warm "
                 "lights would make it safe without disturbing the birds.",
                 "Walking", "riverside", "", "", None, {}, 2, 0),
    DemoProposal("maria", "ca", "Un mapa de les ombres de la ciutat per a l'estiu",
                 "Publicar un mapa amb els carrers amb ombra i les fonts ajudaria a planificar "
                 "els recorridos a peu els dies de calor.",
                 "Walking", "", "", "draft", None, {}, 0, 0),
    DemoProposal("", "en", "Plant 500 trees in the school playgrounds",
                 "The council proposes to turn school playgrounds into shaded climate "
                 "shelters, open to the neighbourhood after school hours.",
                 "Trees and green areas", "", "", "accepted", 250000,
                 {"en": "This proposal of the council goes to the district budgets.",
                  "es": "Esta propuesta del ayuntamiento pasa a los presupuestos de distrito.",
                  "ca": "Aquesta proposta de l'ajuntament passa als pressupostos de districte.",
                  "fr": "Cette proposition de la mairie est transmise aux budgets de "
                        "quartier."}, 15, 6),
    DemoProposal("", "en", "Green corridor linking the parks of the old town",
                 "The council proposes a walking route with trees linking the three parks of "
                 "the old town, with crossings given priority.",
                 "Trees and green areas", "old-town", "", "", None, {}, 8, 2),
)

# Comment threads: (proposal title start, [(author, locale, alignment, text, reply-to index
# in this list or None, up votes, down votes)]).
THREADS = (
    ("Arbres a tot el carrer Major", (
        ("grace", "en", 1, "Yes please! Carrer Major is unbearable in August.", None, 6, 0),
        ("javier", "es", -1, "Los árboles ensucian las aceras y quitan luz a los pisos bajos.",
         None, 2, 4),
        ("maria", "ca", 0, "Amb arbres de fulla caduca a l'hivern hi ha llum, i a l'estiu "
         "ombra. @javier, potser t'agradaria veure l'estudi de l'ajuntament.", 1, 5, 0),
        ("javier", "es", 0, "Si se eligen bien las especies, me parece bien.", 2, 3, 0),
        ("carmen", "es", 1, "Y que rieguen los primeros veranos, que si no se secan.", None, 4,
         0),
    )),
    ("Une piste cyclable protégée vers le lycée", (
        ("kwame", "en", 1, "My daughter would cycle if this existed.", None, 5, 0),
        ("pilar", "es", -1, "Se perderían plazas de aparcamiento en la avenida.", None, 1, 3),
        ("camille", "fr", 0, "Le parking de l'avenue est à moitié vide le matin : on ne perd "
         "presque rien.", 1, 4, 0),
    )),
    ("Huerto comunitario en el solar de la calle Sol", (
        ("chloe", "fr", 1, "Je peux aider à l'organiser, j'ai monté un jardin partagé à Lyon.",
         None, 3, 0),
        ("oriol", "ca", 0, "Qui en farà el manteniment quan passi l'entusiasme inicial?", None,
         2, 1),
        ("carmen", "es", 0, "Una asociación de vecinos ya se ha ofrecido a gestionarlo.", 1, 3,
         0),
    )),
)

# Reports waiting for the moderators: (proposal title start, [(reporter, reason, details)]).
# The spam proposal above reaches the threshold and is hidden; these stay below it.
REPORTS = (
    ("Buy my used bikes", (("grace", "spam", "An advert, not a proposal."),
                           ("mei", "spam", ""), ("kwame", "spam", "Same advert as last week."))),
    ("Aparcamiento subterráneo bajo la plaza Mayor",
     (("montse", "does_not_belong", "This is not about green streets."),)),
)
COMMENT_REPORTS = (
    ("Los árboles ensucian", (("maria", "offensive", "Disrespectful to the neighbours who "
                                                     "asked for trees."),)),
)

# Debates put by the council, in every language: (title, description, conclusion or "").
DEBATES = (
    ({"en": "Which streets should get trees first?",
      "es": "¿Qué calles deberían tener árboles primero?",
      "ca": "Quins carrers haurien de tenir arbres primer?",
      "fr": "Quelles rues devraient être plantées en premier ?"},
     {"en": "<p>We can plant about 400 trees a year. Should we start with the hottest streets, "
            "the busiest walking routes or the streets near schools?</p>",
      "es": "<p>Podemos plantar unos 400 árboles al año. ¿Empezamos por las calles más "
            "calurosas, las más transitadas a pie o las cercanas a escuelas?</p>",
      "ca": "<p>Podem plantar uns 400 arbres l'any. Comencem pels carrers més calorosos, els "
            "més transitats a peu o els propers a escoles?</p>",
      "fr": "<p>Nous pouvons planter environ 400 arbres par an. Faut-il commencer par les rues "
            "les plus chaudes, les plus fréquentées à pied ou celles proches des écoles ?</p>"},
     {}),
    ({"en": "Should cars be kept out of the old town on Sundays?",
      "es": "¿Cerramos el casco antiguo a los coches los domingos?",
      "ca": "Tanquem el barri vell als cotxes els diumenges?",
      "fr": "Faut-il fermer la vieille ville aux voitures le dimanche ?"},
     {"en": "<p>A trial closed the old town to cars on four Sundays last spring.</p>",
      "es": "<p>Una prueba cerró el casco antiguo a los coches cuatro domingos la primavera "
            "pasada.</p>",
      "ca": "<p>Una prova va tancar el barri vell als cotxes quatre diumenges la primavera "
            "passada.</p>",
      "fr": "<p>Un essai a fermé la vieille ville aux voitures quatre dimanches au printemps "
            "dernier.</p>"},
     {"en": "Most residents who took part want it every Sunday from April to October, with "
            "access kept for residents and deliveries before 10 am. The council will propose "
            "it to the district board.",
      "es": "La mayoría de quienes participaron lo quieren cada domingo de abril a octubre, "
            "con acceso para residentes y repartos antes de las 10. El ayuntamiento lo "
            "propondrá a la junta de distrito.",
      "ca": "La majoria de qui hi va participar ho vol cada diumenge d'abril a octubre, amb "
            "accés per a veïns i repartiments abans de les 10. L'ajuntament ho proposarà a la "
            "junta de districte.",
      "fr": "La plupart des participants le veulent chaque dimanche d'avril à octobre, avec "
            "un accès pour les riverains et les livraisons avant 10 h. La mairie le proposera "
            "au conseil de quartier."}),
)
DEBATE_THREADS = (
    (0, (("maria", "ca", 1, "Els carrers al voltant de les escoles, sens dubte.", None, 4, 0),
         ("samuel", "en", 0, "The hottest streets: that is where people suffer most.", None, 3,
          1),
         ("theo", "fr", -1, "Les rues passantes d'abord : plus de gens en profitent.", 1, 2,
          0))),
    (1, (("javier", "es", -1, "Los comercios del casco antiguo perderán clientes.", None, 2, 2),
         ("laia", "ca", 1, "Durant la prova els comerços van vendre més, no menys.", 0, 5, 0))),
)

# Maria (a demo account) supports these proposals and follows them, so answers and comments
# reach her notifications: (proposal title start, ...). She is one of their `supporters`.
MARIA_FOLLOWS = ("Shaded benches along the riverside walk", "Une piste cyclable protégée",
                 "Let residents adopt a street tree", "Plant 500 trees in the school")

# Nadia (the valuator) is assigned these proposals, not answered yet: her work to do.
VALUATIONS = ("Let residents adopt a street tree", "Aparcaments segurs per a bicicletes")
