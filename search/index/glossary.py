"""English words of the programme's domain, with the Norwegian words the texts use for them.

The texts are Norwegian, so BM25 finds nothing for "power deficit" or "transport hubs" and
an English query rests on the dense model alone. A query word (or phrase) listed here also
searches for its Norwegian words, through the same tokenizer as the texts (stems and
compound parts), with the weight lexical.TRANSLATED_WEIGHT.

The list was written from the document's vocabulary (its frequent content words and every
focus area, measure group and strategy heading), not from the development set's queries.
Keys are lowercase; a plural "s" is tried off when the word itself is not listed. Words that
are also Norwegian words of another meaning ("land", "fare") are not keys.
"""

from __future__ import annotations

GLOSSARY: dict[str, str] = {
    # power and energy
    "power": "kraft strøm", "electricity": "strøm kraft", "energy": "energi", "grid": "strømnett nett",
    "capacity": "kapasitet", "deficit": "underskudd", "shortage": "mangel knapphet", "scarcity": "knapphet",
    "nuclear": "kjernekraft", "solar": "solenergi", "heating": "varme", "district heating": "fjernvarme",
    "thermal": "termisk", "bioenergy": "bioenergi", "biogas": "biogass", "efficiency": "effektivisering",
    "renewable": "fornybar", "production": "produksjon", "hydropower": "vannkraft", "consumption": "forbruk",
    "waste of energy": "energisvinn", "queue": "kø", "connection": "tilknytning", "utility": "energiselskap",
    "utilities": "energiselskap nettselskap", "agency": "kontor", "office": "kontor",
    # transport and mobility
    "public transport": "kollektivtransport kollektiv", "transit": "kollektivtransport", "bus": "buss",
    "train": "tog", "trains": "tog", "rail": "jernbane", "railway": "jernbane", "ticket": "billett",
    "tickets": "billett billettstruktur", "zone": "sone", "zones": "sone soneinndeling",
    "cycling": "sykkel", "bicycle": "sykkel", "bike": "sykkel", "walking": "gange", "parking": "parkering",
    "park and ride": "innfartsparkering", "commuter parking": "innfartsparkering", "hub": "knutepunkt",
    "hubs": "knutepunkt", "freight": "godstransport gods", "logistics": "logistikk",
    "truck": "tungtransport lastebil", "trucks": "tungtransport lastebil", "heavy vehicles": "tunge kjøretøy",
    "van": "varebil", "vans": "varebil", "charging": "lading ladeinfrastruktur", "fuel": "drivstoff",
    "zero-emission": "nullutslipp", "zero emission": "nullutslipp", "mobility": "mobilitet", "travel": "reiser",
    "commuting": "pendling", "bottleneck": "flaskehals", "corridor": "korridor", "investment": "investering",
    # climate, environment, nature
    "climate": "klima", "emissions": "utslipp", "emission": "utslipp", "footprint": "fotavtrykk",
    "accounting": "regnskap", "budget": "budsjett", "environment": "miljø", "environmental": "miljø",
    "nature": "natur", "biodiversity": "naturmangfold", "weather": "vær ekstremvær", "extreme": "ekstremvær",
    "resilience": "robust", "flood": "overvann", "rain": "nedbør", "fjord": "fjord", "water": "vann",
    "ocean": "hav", "sea": "hav", "pollution": "forurensning", "restoration": "restaurering",
    "circular": "sirkulær", "economy": "økonomi", "reuse": "ombruk", "waste": "avfall avfallshåndtering",
    "furniture": "møbler", "building materials": "byggevarer", "construction": "bygg",
    "land use": "arealbruk arealplanlegging", "procurement": "anskaffelser", "green": "grønn",
    # business and competence
    "business": "næringsliv næring", "industry": "næring", "companies": "bedrifter", "company": "bedrift",
    "cluster": "klynge", "clusters": "næringsklynger", "innovation": "innovasjon", "skills": "kompetanse",
    "competence": "kompetanse", "recruitment": "rekruttering", "labour": "arbeidskraft", "workforce": "arbeidskraft",
    "labour market": "arbeidsmarked", "education": "utdanning", "students": "studieplasser", "jobs": "jobb",
    "inclusion": "inkludering", "export": "eksport", "exports": "eksport", "international": "internasjonal",
    "investors": "investorer", "talent": "talent", "branding": "profilering", "promotion": "profilering",
    "attractiveness": "attraktivitet", "attractive": "attraktiv", "research": "forskning", "knowledge": "kunnskap",
    "welfare": "velferd", "artificial intelligence": "kunstig intelligens",
    # governance and planning
    "municipality": "kommune", "municipalities": "kommune kommunene", "county": "fylke fylkeskommune",
    "counties": "fylke fylkeskommune", "government": "stat regjeringen", "state": "stat", "national": "nasjonal",
    "cooperation": "samarbeid", "collaboration": "samarbeid", "coordination": "koordinering", "network": "nettverk",
    "lobbying": "interessepolitisk påvirkning", "advocacy": "interessepolitisk påvirkning", "politicians": "politikere",
    "governance": "ledelse styring", "leadership": "ledelse", "planning": "planlegging", "urban": "by byer",
    "housing": "bolig", "development": "utvikling", "sustainable": "bærekraftig", "sustainability": "bærekraft",
    "goal": "mål", "goals": "mål", "strategy": "strategi", "challenge": "utfordring", "challenges": "utfordringer",
    "measure": "tiltak", "measures": "tiltak", "identity": "identitet", "digital twin": "digital tvilling",
    "hearing": "høring", "consultation": "høring", "region": "region", "capital": "hovedstad",
}


def translations(words: list[str]) -> list[tuple[int, int, str]]:
    """(first word, last word + 1, Norwegian words) for glossary entries in a lowercased word list;
    longest phrases first, a word used at most once."""
    out: list[tuple[int, int, str]] = []
    taken = [False] * len(words)
    for size in (3, 2, 1):
        for i in range(len(words) - size + 1):
            if any(taken[i:i + size]):
                continue
            phrase = " ".join(words[i:i + size])
            found = GLOSSARY.get(phrase)
            if found is None and size == 1 and phrase.endswith("s"):
                found = GLOSSARY.get(phrase[:-1])
            if found is not None:
                out.append((i, i + size, found))
                taken[i:i + size] = [True] * size
    return out
