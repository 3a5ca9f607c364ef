"""The demo's organisations and people: six customers, their contacts and service matrices, and the agents."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PersonSpec:
    """A contact at a customer, with the rights the customer gave them."""

    name: str
    email: str
    phones: tuple[str, ...]
    role: str
    main: bool = False
    may_report: bool = False
    may_raise_priority: bool = False
    language: str = "nl"
    # Rights granted later, through the service, with a reason (a recorded change).
    granted_later: tuple[str, ...] = ()
    grant_reason: str = ""
    # Reports tickets in the normal flow (people without the right only show up as refused reports).
    reports: bool = True
    weight: int = 1  # how often this person reports, relative to colleagues

    @property
    def first_name(self) -> str:
        return self.name.split()[0]


@dataclass(frozen=True)
class CustomerSpec:
    """A customer organisation with its address, service matrix and contacts."""

    code: str
    name: str
    street: str
    postal_code: str
    city: str
    matrix: tuple[tuple[str, str], ...]
    contacts: tuple[PersonSpec, ...]
    weight: int = 1  # share of the tickets
    travel_minutes: tuple[int, int] = (30, 50)  # there and back, from the provider's office


@dataclass(frozen=True)
class AgentSpec:
    username: str
    first_name: str
    last_name: str
    password: str
    superuser: bool = False
    billing: bool = False  # the billing role: previews and confirms billing runs (Facturatie)

    @property
    def email(self) -> str:
        return f"{self.username}@qiqq.example"


AGENTS = (
    AgentSpec("anouk", "Anouk", "de Boer", "demo-anouk"),
    AgentSpec("joost", "Joost", "Vermeulen", "demo-joost"),
    AgentSpec("fatima", "Fatima", "Ouali", "demo-fatima", billing=True),
)
ADMIN = AgentSpec("admin", "Beheer", "QiQQ", "demo-admin", superuser=True)

_M365 = ("Microsoft 365", "Exchange Online, Teams, SharePoint en OneDrive; licentiebeheer.")
_FIREWALL = ("Firewall", "Beheerde firewall met VPN voor thuiswerkers; firmware en regels.")
_BACKUP = ("Back-up", "Dagelijkse back-up van server en Microsoft 365, 30 dagen bewaard.")
_WORKPLACES = ("Werkplekken", "Beheerde laptops en pc's: updates, antivirus en installaties.")
_NETWORK = ("Netwerk", "Switches, wifi-accesspoints en de internetverbinding.")
_VOIP = ("VoIP-telefonie", "Hosted telefooncentrale met toestellen en wachtrijen.")
_SERVER = ("Server", "Fileserver en applicatieserver op locatie.")

CUSTOMERS = (
    CustomerSpec(
        code="bakkerij-van-der-linden",
        name="Bakkerij Van der Linden",
        street="Oudegracht 112",
        postal_code="3511 AX",
        city="Utrecht",
        matrix=(_M365, _WORKPLACES, _NETWORK, _FIREWALL, _BACKUP),
        weight=2,
        travel_minutes=(30, 45),
        contacts=(
            PersonSpec(
                "Marieke van der Linden",
                "marieke@bakkerijvanderlinden.example",
                ("030-2314567", "06-41234567"),
                "eigenaar",
                main=True,
                weight=3,
            ),
            PersonSpec(
                "Henk van der Linden",
                "henk@bakkerijvanderlinden.example",
                ("06-28765432",),
                "bedrijfsleider",
                may_report=True,
                granted_later=("may_raise_priority",),
                grant_reason="Op verzoek van Marieke van der Linden (hoofdcontact): Henk mag spoed melden.",
                weight=2,
            ),
            PersonSpec(
                "Sanne Bos",
                "sanne@bakkerijvanderlinden.example",
                ("06-19283746",),
                "winkelmedewerker",
                reports=False,
            ),
        ),
    ),
    CustomerSpec(
        code="tandartspraktijk-de-glimlach",
        name="Tandartspraktijk De Glimlach",
        street="Stadsring 45",
        postal_code="3811 HN",
        city="Amersfoort",
        matrix=(
            _M365,
            _WORKPLACES,
            _NETWORK,
            _FIREWALL,
            _BACKUP,
            _VOIP,
            ("Röntgenwerkstation", "Werkstation met de röntgensoftware en de koppeling naar het patiëntendossier."),
        ),
        weight=3,
        travel_minutes=(20, 35),
        contacts=(
            PersonSpec(
                "Ingrid Smit",
                "ingrid.smit@deglimlach.example",
                ("033-4612345", "06-51234598"),
                "praktijkmanager",
                main=True,
                weight=3,
            ),
            PersonSpec(
                "Ahmed Benali",
                "a.benali@deglimlach.example",
                ("06-45678123",),
                "tandarts",
                may_report=True,
                may_raise_priority=True,
                weight=2,
            ),
            PersonSpec(
                "Lotte de Wit",
                "lotte@deglimlach.example",
                ("033-4612346",),
                "tandartsassistente",
                may_report=True,
                weight=2,
            ),
            PersonSpec(
                "Femke Visser",
                "femke@deglimlach.example",
                ("06-33445566",),
                "mondhygiënist",
                reports=False,
            ),
        ),
    ),
    CustomerSpec(
        code="verbeek-de-groot",
        name="Accountantskantoor Verbeek & De Groot",
        street="Luttekestraat 20",
        postal_code="8011 LS",
        city="Zwolle",
        matrix=(
            _M365,
            _WORKPLACES,
            _NETWORK,
            _FIREWALL,
            _BACKUP,
            _SERVER,
            _VOIP,
            ("Thuiswerken (VPN)", "VPN-toegang en Remote Desktop voor medewerkers die thuis werken."),
        ),
        weight=3,
        travel_minutes=(60, 90),
        contacts=(
            PersonSpec(
                "Rob Verbeek",
                "rob@verbeekdegroot.example",
                ("038-4221100", "06-22334455"),
                "vennoot",
                main=True,
                weight=2,
            ),
            PersonSpec(
                "Sarah Mitchell",
                "s.mitchell@verbeekdegroot.example",
                ("06-87651234",),
                "senior accountant",
                may_report=True,
                may_raise_priority=True,
                language="en",
                weight=2,
            ),
            PersonSpec(
                "Jeroen de Groot",
                "jeroen@verbeekdegroot.example",
                ("038-4221101",),
                "vennoot",
                may_report=True,
                weight=2,
            ),
            PersonSpec(
                "Esra Yilmaz",
                "esra@verbeekdegroot.example",
                ("038-4221107",),
                "office manager",
                reports=False,  # her story: refused, then authorised and accepted
            ),
        ),
    ),
    CustomerSpec(
        code="stichting-onderwijs-eemland",
        name="Stichting Openbaar Onderwijs Eemland",
        street="Utrechtseweg 210",
        postal_code="3818 ES",
        city="Amersfoort",
        matrix=(
            _M365,
            _WORKPLACES,
            _NETWORK,
            _FIREWALL,
            _BACKUP,
            ("Chromebookbeheer", "Beheer van de leerling-Chromebooks via de Google Admin-console."),
            ("Digiborden", "Digitale schoolborden en de koppeling met de leerkracht-laptops."),
        ),
        weight=4,
        travel_minutes=(25, 40),
        contacts=(
            PersonSpec(
                "Karin Mulder",
                "k.mulder@ooeemland.example",
                ("033-4698800", "06-14725836"),
                "ICT-coördinator",
                main=True,
                weight=4,
            ),
            PersonSpec(
                "Bas Hendriks",
                "b.hendriks@ooeemland.example",
                ("06-36925814",),
                "bestuurder",
                may_report=True,
                may_raise_priority=True,
            ),
            PersonSpec(
                "Joyce Meijer",
                "j.meijer@ooeemland.example",
                ("033-4698801",),
                "administratie",
                may_report=True,
                weight=2,
            ),
            PersonSpec(
                "Mohamed El Idrissi",
                "m.elidrissi@ooeemland.example",
                ("06-25814736",),
                "leerkracht en ICT-contact De Regenboog",
                may_report=True,
                weight=2,
            ),
            PersonSpec(
                "Annelies Kok",
                "a.kok@ooeemland.example",
                ("06-47125836",),
                "leerkracht groep 6",
                reports=False,
            ),
        ),
    ),
    CustomerSpec(
        code="transport-hoekstra",
        name="Transportbedrijf Hoekstra B.V.",
        street="Nijverheidslaan 14",
        postal_code="3903 AN",
        city="Veenendaal",
        matrix=(
            _M365,
            _WORKPLACES,
            _NETWORK,
            _FIREWALL,
            _BACKUP,
            _VOIP,
            ("Planningsserver", "Server met het planningspakket en de boordcomputerkoppeling."),
        ),
        weight=3,
        travel_minutes=(40, 60),
        contacts=(
            PersonSpec(
                "Gerrit Hoekstra",
                "gerrit@hoekstratransport.example",
                ("0318-523400", "06-53421987"),
                "directeur",
                main=True,
                weight=3,
            ),
            PersonSpec(
                "Tomasz Kowalski",
                "tomasz@hoekstratransport.example",
                ("06-48291735",),
                "planner",
                may_report=True,
                language="en",
                weight=2,
            ),
            PersonSpec(
                "Linda Hoekstra",
                "linda@hoekstratransport.example",
                ("0318-523401",),
                "financiële administratie",
                may_report=True,
                may_raise_priority=True,
                weight=2,
            ),
            PersonSpec(
                "Dennis Post",
                "dennis@hoekstratransport.example",
                ("06-39182746",),
                "magazijnchef",
                reports=False,
            ),
        ),
    ),
    CustomerSpec(
        code="stichting-dienstverlening-rivierenland",
        name="Stichting Gemeentelijke Dienstverlening Rivierenland",
        street="Kerkplein 3",
        postal_code="4001 HA",
        city="Tiel",
        matrix=(
            _M365,
            _WORKPLACES,
            _NETWORK,
            _FIREWALL,
            _BACKUP,
            _VOIP,
            _SERVER,
            ("Multifunctionals", "Printers en scanners (multifunctionals) op de drie locaties."),
        ),
        weight=4,
        travel_minutes=(50, 70),
        contacts=(
            PersonSpec(
                "Willem de Jong",
                "w.dejong@sgdrivierenland.example",
                ("0344-612200", "06-12348765"),
                "teamleider informatievoorziening",
                main=True,
                weight=3,
            ),
            PersonSpec(
                "Fleur van Leeuwen",
                "f.vanleeuwen@sgdrivierenland.example",
                ("0344-612210",),
                "functioneel beheerder",
                may_report=True,
                may_raise_priority=True,
                weight=3,
            ),
            PersonSpec(
                "Youssef Amrani",
                "y.amrani@sgdrivierenland.example",
                ("0344-612214",),
                "medewerker burgerzaken",
                may_report=True,
                weight=2,
            ),
            PersonSpec(
                "Petra Schouten",
                "p.schouten@sgdrivierenland.example",
                ("0344-612218",),
                "secretariaat",
                may_report=True,
                weight=2,
            ),
            PersonSpec(
                "Erik Brouwer",
                "e.brouwer@sgdrivierenland.example",
                ("06-58274619",),
                "medewerker buitendienst",
                reports=False,
            ),
        ),
    ),
)
