"""Which demo tickets there are: a fixed mix of scenarios, each given a customer, a reporter and a story."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

from servicedesk.demo.seed.people import CUSTOMERS, CustomerSpec, PersonSpec
from servicedesk.demo.seed.stories import FUNCTIONAL, MANAGED, STORIES, Story

CLOSED, OPEN, WAITING, NEW = "closed", "open", "waiting", "new"
IN_TIME, LATE, NONE = "in_time", "late", "none"


@dataclass(frozen=True)
class Scenario:
    """A kind of ticket history: how it came in, how it went and how long ago (in business days)."""

    name: str
    count: int
    status: str
    response: str
    age: tuple[float, float]
    channel: str | None = None  # forced channel; None: drawn from the story's usual channels
    after_hours: bool = False  # reported outside office hours
    lowered: bool = False  # a reporter without the right asks for a raised priority
    critical: bool = False
    raiser: bool = False  # the reporter may raise priority and asks for the story's priority
    due_share: tuple[float, float] | None = None  # new tickets: share of the response time used by now


SCENARIOS = (
    # After-hours urgent line: best-effort, one-hour target in clock time.
    Scenario("after_hours", 3, CLOSED, IN_TIME, (3, 28), channel="phone_after_hours", after_hours=True, raiser=True),
    Scenario("after_hours", 1, OPEN, IN_TIME, (1, 2), channel="phone_after_hours", after_hours=True, raiser=True),
    Scenario(
        "after_hours_lowered", 1, CLOSED, IN_TIME, (4, 20), channel="phone_after_hours", after_hours=True, lowered=True
    ),
    # Portal outside office hours: a direct ticket that follows the office-hours clock.
    Scenario("portal_evening", 2, CLOSED, IN_TIME, (3, 25), channel="portal", after_hours=True, raiser=True),
    Scenario("critical", 2, CLOSED, IN_TIME, (4, 28), critical=True),
    Scenario("critical", 1, OPEN, IN_TIME, (0.3, 0.8), critical=True, channel="phone"),
    Scenario("lowered", 2, CLOSED, IN_TIME, (3, 25), lowered=True, channel="portal"),
    Scenario("lowered", 1, OPEN, IN_TIME, (1, 4), lowered=True, channel="phone"),
    Scenario("lowered", 1, NEW, NONE, (0.05, 0.3), lowered=True, channel="portal"),
    Scenario("raised", 3, CLOSED, IN_TIME, (3, 28), raiser=True, channel="portal"),
    Scenario("raised", 1, CLOSED, IN_TIME, (3, 28), raiser=True, channel="phone"),
    Scenario("new_breached", 5, NEW, NONE, (5, 12)),
    Scenario("new_due_soon", 3, NEW, NONE, (0, 0), due_share=(0.8, 0.95)),
    Scenario("new_fresh", 4, NEW, NONE, (0, 0), due_share=(0.05, 0.5)),
    Scenario("open_breached", 2, OPEN, NONE, (5, 10)),
    Scenario("waiting_breached", 1, WAITING, NONE, (5, 10)),
    Scenario("late", 5, CLOSED, LATE, (9, 29)),
    Scenario("late", 2, OPEN, LATE, (5, 9)),
    Scenario("open", 8, OPEN, IN_TIME, (0.5, 7)),
    Scenario("waiting", 8, WAITING, IN_TIME, (1, 9)),
    Scenario("accepted", 1, CLOSED, IN_TIME, (12, 22), channel="email"),
    Scenario("closed", 23, CLOSED, IN_TIME, (2, 29)),
)
TICKETS = sum(s.count for s in SCENARIOS)

# How contacts usually reach the desk, by story type (Dutch speakers; English speakers mail more).
CHANNELS = {
    MANAGED: (("email", 35), ("portal", 25), ("phone", 40)),
    "unmanaged": (("email", 35), ("portal", 25), ("phone", 40)),
    FUNCTIONAL: (("email", 50), ("portal", 35), ("phone", 15)),
}
CHANNELS_EN = (("email", 60), ("portal", 30), ("phone", 10))
ACCEPTED_STORY = "new-employee"  # Esra's report: refused, then accepted once she may report
ACCEPTED_REPORTER = "Esra Yilmaz"


@dataclass(frozen=True)
class TicketPlan:
    """One demo ticket: who reports what, how, when (roughly) and how its history goes."""

    scenario: Scenario
    customer: CustomerSpec
    reporter: PersonSpec
    story: Story
    channel: str
    requested: str  # the priority asked for when it is reported
    proposed: str | None  # the support type given at creation (None: the services decide)
    with_matrix_item: bool


def may_raise(person: PersonSpec) -> bool:
    return person.main or person.may_raise_priority or "may_raise_priority" in person.granted_later


def plan_tickets(rnd: random.Random) -> list[TicketPlan]:
    """The demo's tickets, in scenario order; the same list for the same random generator state."""
    used: Counter[str] = Counter()
    plans = []
    for scenario in SCENARIOS:
        for _ in range(scenario.count):
            plans.append(_plan_one(scenario, rnd, used))
    return plans


def _plan_one(scenario: Scenario, rnd: random.Random, used: Counter) -> TicketPlan:
    if scenario.name == "accepted":
        customer = next(c for c in CUSTOMERS if any(p.name == ACCEPTED_REPORTER for p in c.contacts))
        reporter = next(p for p in customer.contacts if p.name == ACCEPTED_REPORTER)
        story = next(s for s in STORIES if s.key == ACCEPTED_STORY)
        used[story.key] += 1
        return TicketPlan(scenario, customer, reporter, story, "email", "standard", None, False)
    for _attempt in range(200):
        customer = _weighted(rnd, [(c, c.weight) for c in CUSTOMERS])
        reporters = [p for p in customer.contacts if p.reports and _fits_reporter(scenario, p)]
        if not reporters:
            continue
        reporter = _weighted(rnd, [(p, p.weight) for p in reporters])
        stories = [s for s in STORIES if _fits_story(scenario, s, customer, reporter)]
        if stories:
            break
    else:  # pragma: no cover - the content always has a fitting story
        raise RuntimeError(f"no story fits scenario {scenario.name}")
    least = min(used[s.key] for s in stories)
    story = rnd.choice([s for s in stories if used[s.key] == least])
    used[story.key] += 1
    channel = scenario.channel or _weighted(
        rnd, CHANNELS_EN if reporter.language == "en" else CHANNELS[story.support_type]
    )
    requested = _requested(scenario, story, reporter, channel, rnd)
    proposed, with_item = _proposal(story, channel, rnd)
    return TicketPlan(scenario, customer, reporter, story, channel, requested, proposed, with_item)


def _fits_reporter(scenario: Scenario, person: PersonSpec) -> bool:
    if scenario.lowered:
        return not may_raise(person)
    if scenario.raiser:
        return may_raise(person)
    return True


def _fits_story(scenario: Scenario, story: Story, customer: CustomerSpec, reporter: PersonSpec) -> bool:
    if story.language != reporter.language:
        return False
    if story.customers and customer.code not in story.customers:
        return False
    if story.matrix and story.matrix not in {name for name, _ in customer.matrix}:
        return False
    if story.key == ACCEPTED_STORY and customer.code == "verbeek-de-groot":
        return False
    if scenario.after_hours or scenario.critical:
        return story.urgent
    if scenario.raiser or scenario.lowered:
        return story.priority != "standard" or story.urgent
    if scenario.name in ("late", "open_breached", "waiting_breached", "new_breached"):
        return not story.quick
    return True


def _requested(scenario: Scenario, story: Story, reporter: PersonSpec, channel: str, rnd: random.Random) -> str:
    """The priority asked for: e-mail is standard; on the portal and the phone the reporter chooses."""
    if scenario.after_hours and channel == "phone_after_hours":
        return "direct"
    if scenario.lowered:
        return "direct" if story.urgent or story.support_type == MANAGED else "high"
    if channel == "email":
        return "standard"
    if scenario.raiser:
        return "direct" if scenario.after_hours else (story.priority if story.priority != "standard" else "high")
    if may_raise(reporter) and rnd.random() < 0.6:
        return story.priority
    return "high" if story.support_type == MANAGED else "standard"


def _proposal(story: Story, channel: str, rnd: random.Random) -> tuple[str | None, bool]:
    """The support type given at creation, and whether a service matrix item is picked."""
    if channel == "email":
        return None, False  # the desk cannot tell from a mail; the services propose functional
    if channel == "portal" and story.support_type != FUNCTIONAL and rnd.random() < 0.25:
        return FUNCTIONAL, False  # the reporter picked the wrong type; an agent corrects it
    if story.support_type == MANAGED:
        return MANAGED, True
    return story.support_type, False


def _weighted(rnd: random.Random, pairs):
    items, weights = zip(*pairs, strict=True)
    return rnd.choices(items, weights=weights)[0]
