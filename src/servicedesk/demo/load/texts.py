"""Word and text pools for load data: Dutch names, places, organisations and ticket texts."""

from __future__ import annotations

from servicedesk.demo.seed.stories import NOTES, NUDGES, STORIES, THANKS

FIRST_NAMES = (
    "Anna", "Bram", "Charlotte", "Daan", "Emma", "Finn", "Floor", "Gijs", "Hanna", "Iris", "Jan", "Julia",
    "Kees", "Lars", "Lieke", "Luuk", "Maaike", "Marco", "Mila", "Noah", "Noor", "Olivier", "Petra", "Roos",
    "Ruben", "Sanne", "Sem", "Sophie", "Thijs", "Tess", "Vera", "Wouter", "Yara", "Zoë", "Ahmed", "Fatma",
    "Mehmet", "Samira", "Priya", "Tomasz",
)  # fmt: skip
LAST_NAMES = (
    "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser", "Smit",
    "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker",
    "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf", "van der Meer", "Kok", "Jacobs", "Vermeulen",
    "El Amrani", "Yilmaz", "Kaya", "Nguyen",
)  # fmt: skip
CITIES = (
    ("Amsterdam", "10"), ("Rotterdam", "30"), ("Den Haag", "25"), ("Utrecht", "35"), ("Eindhoven", "56"),
    ("Groningen", "97"), ("Tilburg", "50"), ("Almere", "13"), ("Breda", "48"), ("Nijmegen", "65"),
    ("Apeldoorn", "73"), ("Haarlem", "20"), ("Arnhem", "68"), ("Amersfoort", "38"), ("Zwolle", "80"),
    ("Leiden", "23"), ("Maastricht", "62"), ("Dordrecht", "33"), ("Ede", "67"), ("Tiel", "40"),
)  # fmt: skip
STREETS = (
    "Dorpsstraat", "Kerkstraat", "Stationsweg", "Molenweg", "Schoolstraat", "Industrieweg", "Marktplein",
    "Parallelweg", "Julianalaan", "Beatrixstraat", "Nieuwe Gracht", "Havenkade", "Spoorlaan", "Veldweg",
)  # fmt: skip
ORGANISATIONS = (
    "Bakkerij", "Tandartspraktijk", "Accountantskantoor", "Stichting Onderwijs", "Transportbedrijf",
    "Huisartsenpraktijk", "Advocatenkantoor", "Installatiebedrijf", "Makelaardij", "Fysiotherapie",
    "Architectenbureau", "Autobedrijf", "Notariskantoor", "Kinderopvang", "Woningstichting", "Drukkerij",
)  # fmt: skip
MATRIX_NAMES = (
    "Microsoft 365", "Firewall", "Back-up", "Werkplekken", "Netwerk", "VoIP-telefonie", "Server",
    "Multifunctionals", "Wifi", "Thuiswerken (VPN)",
)  # fmt: skip
AGENT_NAMES = (
    ("Anouk", "de Boer"), ("Joost", "Vermeulen"), ("Fatima", "Ouali"), ("Mark", "Hoekstra"), ("Eva", "Kuipers"),
    ("Niels", "Bosman"), ("Lisa", "Prins"), ("Stefan", "Huisman"), ("Ilse", "Veenstra"), ("Rick", "Postma"),
    ("Bouchra", "Haddou"), ("Tim", "Kramer"), ("Laura", "Schouten"), ("Dennis", "Willems"), ("Kim", "Maas"),
    ("Jeroen", "Verhoeven"), ("Nina", "Koster"), ("Sven", "Blom"), ("Merel", "Timmermans"), ("Bas", "Wolters"),
)  # fmt: skip

_DUTCH = [story for story in STORIES if story.language == "nl"]
SUBJECTS = tuple(story.subject for story in _DUTCH)
BODIES = tuple(story.body for story in _DUTCH)
DIAGNOSES = tuple(story.diagnosis for story in _DUTCH)
REPLIES = tuple(text for story in _DUTCH for text in (story.done, story.question, story.progress) if text)
ANSWERS = tuple(story.answer for story in _DUTCH if story.answer) + NUDGES + THANKS
NOTE_TEXTS = tuple(story.note for story in _DUTCH if story.note) + NOTES
WORK = tuple(text for story in _DUTCH for text in story.work)
TRAVEL = tuple(f"Reistijd heen en terug naar {city}" for city, _ in CITIES)
