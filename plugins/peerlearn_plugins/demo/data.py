"""A demo registry drawn from the source documents.

The networks come from the loaded network plugins; the members, activities
and outputs below are built from the page describing the four networks and
from the draft programme of a Mutual Learning Conference on the integration
and inclusion of migrants. Dates are placed around a given day (today, for
``peerlearn demo``), so that the demo always has a past and a future: two
years of activities, one of them cancelled and several completed with
outputs. The day is passed in, never read from the clock here, so the demo
can be built as it would be on any date. The conference's programme is
imported from the programme file beside this module, ``mlc-programme.yaml``.
Everything is written through peerlearn's public API.
"""

from __future__ import annotations

import datetime as dt
from importlib.resources import files
from zoneinfo import ZoneInfo

from peerlearn import (Activity, Member, Output, ValidationError, add_activity, add_member, add_output, cancel_activity,
                       complete_activity, get_network, import_programme, join_network, list_members, list_networks,
                       set_participation, store_plugin_networks)

#: The programme file of the Mutual Learning Conference, beside this module.
PROGRAMME_FILE = "mlc-programme.yaml"

# name, country, category, type, networks
MEMBERS = [
    ("European Commission, DG Employment, Social Affairs and Inclusion", "EU", "European Commission", "organisation",
     ["esf_migration", "integration_network", "pes", "mutual_learning"]),
    ("Departement Werk en Sociale Economie", "BE", "ESF managing authority", "organisation", ["esf_migration"]),
    ("Bundesministerium für Arbeit und Soziales, ESF-Verwaltungsbehörde", "DE", "ESF managing authority",
     "organisation", ["esf_migration"]),
    ("Ministero del Lavoro e delle Politiche Sociali, Autorità di Gestione FSE", "IT", "ESF managing authority",
     "organisation", ["esf_migration"]),
    ("Svenska ESF-rådet", "SE", "ESF managing authority", "organisation", ["esf_migration"]),
    ("Ministerio de Inclusión, Seguridad Social y Migraciones", "ES", "ESF managing authority", "organisation",
     ["esf_migration"]),
    ("Migration Policy Group", "BE", "stakeholder", "organisation", ["esf_migration"]),
    ("European Trade Union Confederation", "BE", "social partner", "organisation", ["esf_migration"]),
    ("University of Amsterdam, Institute for Migration and Ethnic Studies", "NL", "academic", "organisation",
     ["esf_migration"]),
    ("Bundesamt für Migration und Flüchtlinge", "DE", "National Contact Point on Integration", "organisation",
     ["integration_network"]),
    ("Direction générale des étrangers en France", "FR", "National Contact Point on Integration", "organisation",
     ["integration_network"]),
    ("Ministerie van Sociale Zaken en Werkgelegenheid", "NL", "National Contact Point on Integration",
     "organisation", ["integration_network"]),
    ("Integrationsfonds Österreich", "AT", "National Contact Point on Integration", "organisation",
     ["integration_network"]),
    ("Department of Children, Equality, Disability, Integration and Youth", "IE",
     "National Contact Point on Integration", "organisation", ["integration_network"]),
    ("Urząd do Spraw Cudzoziemców", "PL", "National Contact Point on Integration", "organisation",
     ["integration_network"]),
    ("VDAB", "BE", "public employment service", "organisation", ["pes"]),
    ("Bundesagentur für Arbeit", "DE", "public employment service", "organisation", ["pes"]),
    ("France Travail", "FR", "public employment service", "organisation", ["pes"]),
    ("Arbetsförmedlingen", "SE", "public employment service", "organisation", ["pes"]),
    ("Työmarkkinatori (KEHA-keskus)", "FI", "public employment service", "organisation", ["pes"]),
    ("NAV", "NO", "public employment service", "organisation", ["pes"]),
    ("Vinnumálastofnun", "IS", "public employment service", "organisation", ["pes"]),
    ("Servicio Público de Empleo Estatal", "ES", "public employment service", "organisation", ["pes"]),
    ("Ministry of Labour and Social Policy of Portugal", "PT", "ministry", "organisation", ["mutual_learning"]),
    ("Bundesministerium für Arbeit und Soziales", "DE", "ministry", "organisation", ["mutual_learning"]),
    ("Ministère du Travail, du Plein emploi et de l'Insertion", "FR", "ministry", "organisation",
     ["mutual_learning"]),
    ("Ministry of Social Affairs of Estonia", "EE", "ministry", "organisation", ["mutual_learning"]),
    ("Ministry of Labour, Social Affairs and Family of Slovakia", "SK", "ministry", "organisation",
     ["mutual_learning"]),
    ("Ministry of Labour and Social Policy of Greece", "GR", "ministry", "organisation", ["mutual_learning"]),
    ("BusinessEurope", "BE", "social partner", "organisation", ["mutual_learning"]),
    ("Thomas Liebig (OECD)", "FR", "expert", "person", ["mutual_learning"]),
    ("Armelle Ledan (AEIDL)", "BE", "expert", "person", ["mutual_learning"]),
    ("Olga Stachova (MOSAIC)", "CA", "expert", "person", ["mutual_learning"]),
    ("Anila Noor (New Women Connectors)", "NL", "expert", "person", ["mutual_learning"]),
]

MLC_TITLE = "Mutual Learning Conference: integration and inclusion of migrants"
MLC_DESCRIPTION = (
    "Reflects the priority themes of the Action Plan on Integration and Inclusion 2021-2027: an opening panel on"
    " evidence-based practices from the EaSI-supported projects, then five workshops in parallel on skills"
    " intelligence, housing, migrant women's employment, Europass and the inclusion of migrant children."
)

# network, kind, title, months from today, days long, start time, end time, city, country, extra
ACTIVITIES = [
    ("esf_migration", "workshop", "Fast-track labour market integration of refugees", -11, 1, "09:30", "17:00",
     "Brussels", "BE", {}),
    ("esf_migration", "site_visit", "Site visit: one-stop shops for newcomers in Ghent", -8, 2, None, None,
     "Ghent", "BE", {}),
    ("esf_migration", "peer_review", "Peer review: ESF+ support for migrant women", -3, 1, "09:00", "16:30",
     "Stockholm", "SE", {"host": 5, "peers": [2, 4]}),
    ("esf_migration", "workshop", "Using ESF+ for language learning at work", 4, 1, "10:00", "16:00",
     "Rome", "IT", {}),
    ("integration_network", "study_visit", "Study visit: integration courses in Vienna", -9, 2, None, None,
     "Vienna", "AT", {}),
    ("integration_network", "workshop", "Workshop on the integration of beneficiaries of temporary protection",
     -5, 1, "09:30", "17:30", "Dublin", "IE", {"status": "cancelled"}),
    ("integration_network", "peer_review", "Peer review: early language support", 3, 1, "09:00", "17:00",
     "Warsaw", "PL", {"host": 15, "peers": [10, 12]}),
    ("pes", "event", "PES Network event on the integration of refugees", -10, 1, "09:00", "17:00",
     "Brussels", "BE", {"paper": "Key considerations on the labour market integration of refugees"}),
    ("pes", "peer_review", "PES peer review: profiling jobseekers with a migrant background", -2, 2, None, None,
     "Helsinki", "FI", {}),
    ("pes", "event", "Webinar: skills recognition for third-country nationals", 2, 1, "10:00", "12:00",
     "", None, {"online": "https://example.org/pes-webinar"}),
    ("mutual_learning", "peer_review", "Peer review: activation of long-term unemployed migrants", -7, 2, None,
     None, "Lisbon", "PT", {"host": 24, "peers": [27, 28]}),
    ("mutual_learning", "thematic_event", "Thematic event: migrants' skills intelligence", -1, 1, "09:30", "13:00",
     "", None, {"online": "https://example.org/mlp-skills"}),
    ("mutual_learning", "conference", MLC_TITLE, 5, 1, "09:30", "17:00", "Brussels", "BE",
     {"description": MLC_DESCRIPTION, "capacity": 200}),
]

# activity title -> good practices it produced: title, country, themes, description
PRACTICES = {
    "Peer review: ESF+ support for migrant women": [
        ("Mentoring for newly arrived women", "SE", ["migrant women", "employment"],
         "Volunteer mentors from the same trade meet newly arrived women weekly during their first year."),
    ],
    "Peer review: activation of long-term unemployed migrants": [
        ("One-stop activation teams", "PT", ["long-term unemployment", "activation"],
         "Employment, social and language services share one case manager per jobseeker."),
    ],
    "PES Network event on the integration of refugees": [
        ("Early skills screening in reception centres", "DE", ["refugees", "skills"],
         "Skills and qualifications are recorded in the first weeks, before asylum decisions."),
    ],
}


def _month_day(today: dt.date, months: int) -> dt.date:
    month_index = today.year * 12 + today.month - 1 + months
    day = dt.date(month_index // 12, month_index % 12 + 1, 10)
    while day.weekday() != 1:  # a Tuesday
        day += dt.timedelta(days=1)
    return day


def _times(day: dt.date, days: int, start: str | None, end: str | None, tzname: str):
    """Start, end and whether all-day; the demo's times are all daytime, so never in a clock change's gap."""
    zone = ZoneInfo(tzname)
    if start is None:
        first = dt.datetime.combine(day, dt.time(), tzinfo=zone)
        last = dt.datetime.combine(day + dt.timedelta(days=days), dt.time(), tzinfo=zone)
        return first, last, True
    h1, m1 = map(int, start.split(":"))
    h2, m2 = map(int, end.split(":"))
    first = dt.datetime.combine(day, dt.time(h1, m1), tzinfo=zone)
    last = dt.datetime.combine(day + dt.timedelta(days=days - 1), dt.time(h2, m2), tzinfo=zone)
    return first, last, False


def programme_text() -> str:
    """The conference's programme file, as the demo imports it."""
    return files(__package__).joinpath(PROGRAMME_FILE).read_text(encoding="utf-8")


def build_demo(registry, today: dt.date) -> tuple[dict[str, int], int]:
    """Fill an empty registry with demo data (inside a transaction) dated around ``today``.

    Returns the counts and the conference's number. Activities before
    ``today`` have taken place: their participants attended, they are
    completed and have outputs.
    """
    if list_members(registry):
        raise ValidationError(f"{registry.path} already holds members; the demo needs an empty registry")
    # what the demo takes as now: noon UTC on its day, after every activity that ended the day before
    now = dt.datetime.combine(today, dt.time(12), tzinfo=dt.timezone.utc)
    known = {network.slug for network in list_networks(registry)}
    missing = sorted({slug for *_, nets in MEMBERS for slug in nets} - known)
    if missing:
        raise ValidationError(f"the demo needs the network plugins {', '.join(missing)}; they are not loaded")
    store_plugin_networks(registry)
    ids = []
    for name, country, category, kind, member_networks in MEMBERS:
        member = add_member(registry, Member(name=name, country=country, type=kind),
                            [(slug, "member") for slug in member_networks], category=category, today=today)
        ids.append(member.id)
    commission = ids[0]
    join_network(registry, commission, "mutual_learning", role="secretariat", today=today)
    counts = {"activities": 0, "participations": 0, "outputs": 0}
    conference = None
    for net, kind, title, months, days, start, end, city, country, extra in ACTIVITIES:
        network = get_network(registry, net)
        first, last, all_day = _times(_month_day(today, months), days, start, end, network.timezone)
        try:
            planned = Activity(
                network=net, kind=kind, title=title, start=first, end=last, timezone=network.timezone,
                all_day=all_day, city=city, country=country, online_url=extra.get("online", ""),
                description=extra.get("description", ""), capacity=extra.get("capacity"),
                host_member_id=ids[extra["host"] - 1] if "host" in extra else None,
                peer_member_ids=[ids[peer - 1] for peer in extra.get("peers", [])],
                themes=["integration of migrants"],
            )
        except ValueError as error:  # a day too near the first or the last year peerlearn records
            raise ValidationError(f"the demo cannot be dated around {today}: {error}") from None
        activity = add_activity(registry, planned)
        counts["activities"] += 1
        if title == MLC_TITLE:
            conference = activity.id
        participants = [mid for mid, (*_, nets) in zip(ids, MEMBERS) if net in nets][:8]
        past = last.date() < today
        for member_id in participants:
            set_participation(registry, activity.id, member_id, "invited")
            status = "attended" if past and extra.get("status") != "cancelled" else "registered"
            if extra.get("status") == "cancelled":
                continue
            set_participation(registry, activity.id, member_id, status, now=now)
            counts["participations"] += 1
        if extra.get("status") == "cancelled":
            cancel_activity(registry, activity.id)
        elif past:
            complete_activity(registry, activity.id, now=now)
            report_kind = "paper" if "paper" in extra else "final_report"
            add_output(registry, Output(
                activity_id=activity.id, kind=report_kind, title=extra.get("paper", f"Report: {title}"),
                url=f"https://example.org/reports/{activity.id}", date=last.date() + dt.timedelta(days=30),
            ))
            counts["outputs"] += 1
            for name, country, themes, description in PRACTICES.get(title, []):
                add_output(registry, Output(
                    activity_id=activity.id, kind="good_practice", title=name, country=country, themes=themes,
                    description=description, date=last.date() + dt.timedelta(days=30),
                ))
                counts["outputs"] += 1
    imported = import_programme(registry, conference, programme_text(), source=PROGRAMME_FILE)
    counts.update(sessions=imported["sessions"], roles=imported["roles"])
    return {"networks": len(list_networks(registry)), "members": len(ids), **counts}, conference
