"""The demo history as dated steps: set-up, every ticket's life, refused reports; run later in time order."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from servicedesk.core.policy import current_policy
from servicedesk.demo.seed.clock import OFFICE_DAY, DemoClock
from servicedesk.demo.seed.people import AGENTS, CUSTOMERS, PersonSpec
from servicedesk.demo.seed.plan import CLOSED, IN_TIME, LATE, NEW, OPEN, WAITING, TicketPlan, may_raise
from servicedesk.demo.seed.stories import (
    CONFIRM_REASONS,
    CRITICAL_REASON,
    FUNCTIONAL,
    MANAGED,
    NOTES,
    NUDGES,
    NUDGES_EN,
    RAISE_REASON,
    RETYPE_REASONS,
    THANKS,
    THANKS_EN,
)
from servicedesk.policy import Channel, Priority, SupportType
from servicedesk.tickets.pricing import deadline_for

AGENT_WEIGHTS = (("anouk", 4), ("joost", 4), ("fatima", 3))
AGENT_NAMES = {agent.username: agent.first_name for agent in AGENTS}
DISPATCHER = "anouk"  # the team lead hands out tickets
SETUP_DAYS_AGO = 35  # business days before the anchor that the customers were set up
CLOSE_REASONS = (
    "Opgelost.",
    "Opgelost; klant heeft bevestigd dat het werkt.",
    "Geen reactie meer ontvangen; opgelost verondersteld.",
)
CLOSINGS = ("Groet", "Met vriendelijke groet", "Alvast bedankt")
GENERIC_QUESTION = "Kunt u ons laten weten wanneer u het beste bereikbaar bent, zodat we even kunnen meekijken?"
GENERIC_QUESTION_EN = "Could you let us know when it suits you for us to take a look together?"
GENERIC_PROGRESS = "We zijn ermee bezig en laten u vandaag nog weten hoe het staat."
GENERIC_PROGRESS_EN = "We are working on it and will update you later today."


@dataclass(order=True)
class Step:
    """One thing that happens at one moment; `action` names a method of the builder."""

    at: datetime
    seq: int
    action: str = field(compare=False)
    args: dict = field(compare=False, default_factory=dict)


class History:
    """Plans every step of the demo history, with times from the fake clock."""

    def __init__(self, clock: DemoClock, rnd: random.Random):
        self.clock = clock
        self.rnd = rnd
        self.policy = current_policy()
        self.steps: list[Step] = []
        self._seq = 0

    def _add(self, at: datetime, action: str, **args) -> None:
        self._seq += 1
        self.steps.append(Step(at, self._seq, action, args))

    def ordered(self) -> list[Step]:
        return sorted(self.steps)

    # -- set-up --------------------------------------------------------------------------------------------

    def setup(self) -> datetime:
        """Customers, contacts, matrices and rights, some weeks before the first ticket; returns the start."""
        start = self.clock.office_ago(SETUP_DAYS_AGO * OFFICE_DAY)
        at = start
        for customer in CUSTOMERS:
            at = self.clock.office_after(at, self.rnd.uniform(20, 90))
            self._add(at, "customer", spec=customer)
            for name, description in customer.matrix:
                at += timedelta(seconds=self.rnd.randint(20, 90))
                self._add(at, "matrix_item", customer=customer.code, name=name, description=description)
            for person in sorted(customer.contacts, key=lambda p: not p.main):
                at += timedelta(seconds=self.rnd.randint(40, 180))
                self._add(at, "contact", customer=customer.code, spec=person)
        for customer in CUSTOMERS:
            for person in customer.contacts:
                if person.granted_later:
                    granted = self.clock.office_after(at, self.rnd.uniform(OFFICE_DAY, 2 * OFFICE_DAY))
                    rights = dict.fromkeys(person.granted_later, True)
                    self._add(granted, "rights", contact=person.name, reason=person.grant_reason, rights=rights)
        return start

    # -- refused reports -------------------------------------------------------------------------------------

    def refused_reports(self) -> None:
        """Reports from people who may not report, and from senders the desk does not know."""
        clock = self.clock
        self._add(
            clock.days_ago(18, 22),
            "refused_contact",
            contact="Sanne Bos",
            channel="email",
            subject="Kassa-pc start niet op",
            body="Hoi, de pc achter de toonbank start niet meer op. Kunnen jullie komen kijken?\n\nSanne",
        )
        self._add(
            clock.days_ago(10, 13),
            "refused_contact",
            contact="Dennis Post",
            channel="phone",
            agent="joost",
            subject="Handscanner magazijn maakt geen verbinding",
            body="Belde over de handscanner in het magazijn. Is niet gemachtigd; verwezen naar Gerrit Hoekstra.",
        )
        self._add(
            clock.days_ago(5, 7),
            "refused_contact",
            contact="Annelies Kok",
            channel="email",
            subject="Geen geluid bij digibord groep 6",
            body="Goedemorgen, het digibord in groep 6 geeft geen geluid meer. Groetjes, Annelies Kok",
        )
        self._add(
            clock.days_ago(2, 3),
            "refused_contact",
            contact="Femke Visser",
            channel="email",
            subject="Nieuwe muis nodig",
            body="Mijn muis doet het niet goed meer, kan ik een nieuwe krijgen?\n\nFemke",
        )
        self._add(
            clock.after_hours_near(clock.days_ago(6, 9)),
            "refused_contact",
            contact="Erik Brouwer",
            channel="phone_after_hours",
            agent="fatima",
            subject="Laptop valt uit tijdens avonddienst",
            body="Belde via de spoedlijn: laptop valt uit. Niet gemachtigd en geen spoed; gevraagd morgen via "
            "Willem de Jong te melden.",
        )
        self._add(
            clock.days_ago(14, 16),
            "refused_unknown",
            channel="email",
            sender="j.vandam@ziggo-mail.example",
            subject="Vraag over mijn internetabonnement",
            body="Mijn internet thuis is erg traag, kunnen jullie helpen? Met vriendelijke groet, J. van Dam",
        )
        self._add(
            clock.days_ago(3, 4),
            "refused_unknown",
            channel="phone",
            agent="anouk",
            sender="06-27384950",
            subject="Beller wilde een website laten maken",
            body="Geen klant; belde voor een offerte voor een website. Doorverwezen naar info@.",
        )

    # -- tickets ---------------------------------------------------------------------------------------------

    def ticket(self, index: int, plan: TicketPlan) -> None:
        """Every step of one ticket's life, squeezed to end before the anchor when needed."""
        first = len(self.steps)
        _TicketLife(self, index, plan).tell()
        mine = self.steps[first:]
        start = min(step.at for step in mine)
        limit = self.clock.anchor - timedelta(minutes=2)
        last = max(step.at for step in mine)
        if last > limit:
            share = (limit - start) / (last - start)
            for step in mine:
                step.at = start + (step.at - start) * share
                for key, value in step.args.items():
                    if isinstance(value, datetime):
                        step.args[key] = start + (value - start) * share


class _TicketLife:
    """The steps of one ticket, from its report to where its scenario leaves it."""

    def __init__(self, history: History, index: int, plan: TicketPlan):
        self.h = history
        self.clock = history.clock
        self.rnd = history.rnd
        self.policy = history.policy
        self.index = index
        self.plan = plan
        self.english = plan.reporter.language == "en"

    def add(self, at: datetime, action: str, **args) -> None:
        self.h._add(at, action, ticket=self.index, **args)

    def agent(self) -> str:
        names, weights = zip(*AGENT_WEIGHTS, strict=True)
        return self.rnd.choices(names, weights=weights)[0]

    def tell(self) -> None:
        plan, scenario, rnd = self.plan, self.plan.scenario, self.rnd
        created_type, created_priority = self._at_creation()
        reported = self._reported(created_type, created_priority)
        assignee = self.agent()
        taker = assignee if plan.channel in (Channel.PHONE, Channel.PHONE_AFTER_HOURS) else None
        if scenario.name == "accepted":
            reported = self._accepted_prelude(reported)
        else:
            self.add(reported, "create", plan=plan, agent=taker, body=self._body(taker))
        created = deadline_for(
            support_type=created_type, priority=created_priority, channel=plan.channel, reported_at=reported
        )
        best_effort = created.response.best_effort
        if scenario.status == NEW:
            self._new_ticket(reported, assignee, created.response.response_due)
            return
        # Triage: assign and classify.
        if best_effort:
            t = reported + timedelta(minutes=rnd.uniform(2, 6))
        elif plan.story.urgent or plan.requested == Priority.DIRECT:
            t = self.clock.office_after(reported, rnd.uniform(2, 12))
        else:
            t = self.clock.office_after(reported, rnd.uniform(5, 40))
        actor = assignee if assignee == DISPATCHER or rnd.random() < 0.65 else DISPATCHER
        self.add(t, "assign", agent=actor, assignee=assignee)
        t += timedelta(minutes=rnd.uniform(1, 8))
        final_type, final_priority, critical = self._classify(t, assignee, created_type, created_priority)
        final = deadline_for(
            support_type=final_type,
            priority=final_priority,
            channel=plan.channel,
            reported_at=reported,
            critical=critical,
        )
        due = final.response.response_due
        if plan.story.note and rnd.random() < 0.6:
            t += timedelta(minutes=rnd.uniform(3, 25))
            self.add(t, "note", agent=assignee, body=plan.story.note)
        elif rnd.random() < 0.3:
            t += timedelta(minutes=rnd.uniform(3, 25))
            self.add(t, "note", agent=assignee, body=rnd.choice(NOTES))
        # The response (diagnosis made, recovery started).
        responded = scenario.response in (IN_TIME, LATE)
        if scenario.response == IN_TIME:
            if best_effort:
                t = max(t, reported + timedelta(minutes=rnd.uniform(12, 50)))
            else:
                room = self.clock.office_between(t, due)
                if room > 2:
                    t = min(self.clock.office_after(t, room * rnd.uniform(0.15, 0.85)), due - timedelta(minutes=1))
        elif scenario.response == LATE:
            late_by = rnd.uniform(10, 90) if final_priority == Priority.DIRECT else rnd.uniform(20, 420)
            t = self.clock.office_after(max(t, due), late_by)
        if responded:
            self.add(t, "respond", agent=assignee, diagnosis=plan.story.diagnosis)
        if best_effort:
            t = self._night_work(reported, t, assignee)
        # Where the scenario leaves the ticket.
        if scenario.status == OPEN:
            self._still_open(t, assignee, responded)
        elif scenario.status == WAITING:
            self._waiting(t, assignee, responded)
        elif scenario.status == CLOSED:
            self._closed(t, assignee, best_effort)

    # -- pieces ------------------------------------------------------------------------------------------------

    def _at_creation(self) -> tuple[str, str]:
        """Support type and effective priority the services give the ticket when it is created."""
        plan = self.plan
        support_type = SupportType(plan.proposed or (MANAGED if plan.with_matrix_item else FUNCTIONAL))
        priority = Priority(plan.requested)
        if self.policy.is_raised(support_type, priority) and not may_raise(plan.reporter):
            priority = self.policy.lowest_priority(support_type)
        return support_type.value, self.policy.effective_priority(support_type, priority).value

    def _reported(self, support_type: str, priority: str) -> datetime:
        scenario = self.plan.scenario
        if scenario.due_share:
            response_time = self.policy.response_time(SupportType(support_type), Priority(priority))
            share = self.rnd.uniform(*scenario.due_share)
            return self.clock.office_ago(response_time.total_seconds() / 60 * share)
        reported = self.clock.days_ago(*scenario.age)
        if scenario.after_hours:
            reported = self.clock.after_hours_near(reported)
        return reported

    def _accepted_prelude(self, refused_at: datetime) -> datetime:
        """Refused, then the main contact authorises the reporter, then an agent accepts the report."""
        plan = self.plan
        self.h._add(
            refused_at,
            "refused_contact",
            contact=plan.reporter.name,
            channel="email",
            subject=plan.story.subject,
            body=self._body(None),
            keep=True,
        )
        granted = self.clock.office_after(refused_at, self.rnd.uniform(60, 180))
        main = next(p for p in plan.customer.contacts if p.main)
        self.h._add(
            granted,
            "rights",
            contact=plan.reporter.name,
            reason=f"Machtiging per e-mail door {main.name} (hoofdcontact).",
            rights={"may_report": True},
        )
        accepted = granted + timedelta(minutes=self.rnd.uniform(3, 10))
        self.add(accepted, "accept", contact=plan.reporter.name, agent=DISPATCHER)
        return accepted

    def _new_ticket(self, reported: datetime, assignee: str, due: datetime) -> None:
        rnd = self.rnd
        if rnd.random() < 0.4:
            assigned = self.clock.office_after(reported, rnd.uniform(5, 60))
            self.add(assigned, "assign", agent=DISPATCHER, assignee=assignee)
        if due < self.clock.anchor and rnd.random() < 0.7:
            nudge = self.clock.office_after(due, rnd.uniform(30, 300))
            if nudge < self.clock.anchor:
                self.add(nudge, "customer_message", body=self._signed(self._nudges()[0]))

    def _classify(self, t: datetime, agent: str, created_type: str, created_priority: str) -> tuple[str, str, bool]:
        """Confirm or change type and priority; returns the type, effective priority and critical flag after it."""
        plan, rnd = self.plan, self.rnd
        story = plan.story
        final_type = story.support_type
        critical = plan.scenario.critical
        raise_to = None
        if critical:
            reason = CRITICAL_REASON
        elif final_type != created_type:
            reason = RETYPE_REASONS[final_type]
        elif (
            plan.channel == Channel.EMAIL
            and story.urgent
            and final_type != MANAGED
            and may_raise(plan.reporter)
            and rnd.random() < 0.7
        ):
            raise_to, reason = Priority.HIGH.value, RAISE_REASON
        else:
            reason = rnd.choice(CONFIRM_REASONS)
        self.add(
            t,
            "classify",
            agent=agent,
            reason=reason,
            support_type=final_type,
            priority=raise_to,
            critical=True if critical else None,
        )
        priority = self.policy.effective_priority(
            SupportType(final_type), Priority(raise_to or created_priority), critical=critical
        )
        return final_type, priority.value, critical

    def _night_work(self, reported: datetime, t: datetime, agent: str) -> datetime:
        """The on-call engineer works on it that evening or night; the rest follows in office hours."""
        start = reported + timedelta(minutes=self.rnd.uniform(6, 15))
        minutes = self.rnd.randint(*self.plan.story.minutes)
        recorded = max(t, start + timedelta(minutes=minutes + self.rnd.uniform(3, 15)))
        self.add(
            recorded,
            "time",
            agent=agent,
            start=start,
            minutes=minutes,
            kind="work",
            description="Buiten kantoortijd (spoedlijn): " + self.plan.story.work[0],
        )
        self.add(
            recorded + timedelta(minutes=2),
            "note",
            agent=agent,
            body="Via de spoedlijn opgepakt door de dienstdoende engineer; morgen nabellen met de klant.",
        )
        return self.clock.office_after(recorded, self.rnd.uniform(10, 60))

    def _still_open(self, t: datetime, agent: str, responded: bool) -> None:
        rnd, story = self.rnd, self.plan.story
        if not responded:
            # The agent asked something but never recorded a response: the deadline passes.
            t = self.clock.office_after(t, rnd.uniform(20, 60))
            self.add(t, "reply", agent=agent, body=self._reply(story.question or self._generic_question(), agent))
            return
        if rnd.random() < 0.6:
            t = self.clock.office_after(t, rnd.uniform(10, 90))
            self.add(t, "reply", agent=agent, body=self._reply(story.progress or self._generic_progress(), agent))
        if rnd.random() < 0.5:
            t = self._work(t, agent, partial=True)
        if rnd.random() < 0.3:
            t = self.clock.office_after(t, rnd.uniform(30, 240))
            self.add(t, "customer_message", body=self._signed(rnd.choice(self._nudges()[1:])))

    def _waiting(self, t: datetime, agent: str, responded: bool) -> None:
        rnd, story = self.rnd, self.plan.story
        if responded and rnd.random() < 0.4:
            t = self._work(t, agent, partial=True)
        t = self.clock.office_after(t, rnd.uniform(10, 120))
        question = story.question or self._generic_question()
        self.add(t, "reply", agent=agent, body=self._reply(question, agent), wait=True)

    def _closed(self, t: datetime, agent: str, best_effort: bool) -> None:
        rnd, story = self.rnd, self.plan.story
        if story.question and rnd.random() < 0.5:
            t = self.clock.office_after(t, rnd.uniform(5, 60))
            self.add(t, "reply", agent=agent, body=self._reply(story.question, agent), wait=True)
            t = self.clock.office_after(t, rnd.uniform(30, 400))
            self.add(t, "customer_message", body=self._signed(story.answer))
        if story.progress and rnd.random() < 0.6:
            t = self.clock.office_after(t, rnd.uniform(10, 90))
            self.add(t, "reply", agent=agent, body=self._reply(story.progress, agent))
        if not best_effort or rnd.random() < 0.5:
            t = self._work(t, agent, partial=False)
        t = self.clock.office_after(t, rnd.uniform(5, 60))
        self.add(t, "reply", agent=agent, body=self._reply(story.done, agent))
        if rnd.random() < 0.4:
            t = self.clock.office_after(t, rnd.uniform(10, 240))
            self.add(t, "customer_message", body=rnd.choice(THANKS_EN if self.english else THANKS))
        t = self.clock.office_after(t, rnd.uniform(30, 480))
        self.add(t, "close", agent=agent, reason=rnd.choice(CLOSE_REASONS))

    def _work(self, t: datetime, agent: str, *, partial: bool) -> datetime:
        """Time entries: travel for on-site work, evening work by arrangement, or a few minutes for small things."""
        rnd, story, clock = self.rnd, self.plan.story, self.clock
        description = story.work[-1] if len(story.work) > 1 and not partial else story.work[0]
        if story.quick:
            start = _round5(t) + timedelta(minutes=5)
            minutes = rnd.randint(2, 5)
            recorded = start + timedelta(minutes=minutes + rnd.randint(1, 10))
            self.add(recorded, "time", agent=agent, start=start, minutes=minutes, kind="work", description=description)
            return recorded
        if story.evening and not partial:
            evening = clock.evening_of(clock.office_after(t, rnd.uniform(30, 120)))
            if evening <= t:
                evening = clock.evening_of(clock.office_after(t, OFFICE_DAY))
            if evening < clock.anchor - timedelta(hours=6):
                minutes = rnd.randint(*story.minutes)
                recorded = evening + timedelta(minutes=minutes + rnd.randint(2, 15))
                self.add(
                    recorded,
                    "time",
                    agent=agent,
                    start=evening,
                    minutes=minutes,
                    kind="work",
                    description=description + " (buiten kantoortijd, in overleg met de klant)",
                )
                return recorded
        start = _round5(clock.office_after(t, rnd.uniform(10, 120)))
        minutes = _round5_up(rnd.randint(*story.minutes))
        way_back = 0
        if story.onsite:
            travel = _round5_up(rnd.randint(*self.plan.customer.travel_minutes))
            departure, start, way_back = start, start + timedelta(minutes=travel // 2), travel - travel // 2
            self.add(
                start + timedelta(minutes=minutes + way_back + rnd.randint(5, 30)),
                "time",
                agent=agent,
                start=departure,
                minutes=travel,
                kind="travel",
                description=f"Reistijd heen en terug naar {self.plan.customer.city}",
            )
        recorded = start + timedelta(minutes=minutes + way_back + rnd.randint(2, 20))
        self.add(recorded, "time", agent=agent, start=start, minutes=minutes, kind="work", description=description)
        if not partial and not story.onsite and rnd.random() < 0.25:
            later = _round5(clock.office_after(recorded, rnd.uniform(60, OFFICE_DAY)))
            extra = _round5_up(rnd.randint(10, 30))
            recorded = later + timedelta(minutes=extra + rnd.randint(2, 10))
            self.add(
                recorded,
                "time",
                agent=agent,
                start=later,
                minutes=extra,
                kind="work",
                description="Nagekeken of het probleem niet terugkomt.",
            )
        return recorded

    # -- texts -------------------------------------------------------------------------------------------------

    def _body(self, taker: str | None) -> str:
        """The first message: the reporter's own words, or the agent's summary of the call."""
        if taker is None:
            return self._signed(self.plan.story.body)
        person = self.plan.reporter
        if self.english:
            return f"Phone call from {person.name} ({self.plan.customer.name}):\n\n{self.plan.story.body}"
        return f"Telefonisch gemeld door {person.name} ({self.plan.customer.name}):\n\n{self.plan.story.body}"

    def _signed(self, text: str) -> str:
        person: PersonSpec = self.plan.reporter
        closing = "Kind regards" if self.english else self.rnd.choice(CLOSINGS)
        return f"{text}\n\n{closing},\n{person.name}\n{self.plan.customer.name}"

    def _reply(self, text: str, agent: str) -> str:
        first = self.plan.reporter.first_name
        signer = AGENT_NAMES[agent]
        if self.english:
            return f"Dear {first},\n\n{text}\n\nKind regards,\n{signer}\nQiQQ service desk"
        return f"Beste {first},\n\n{text}\n\nMet vriendelijke groet,\n{signer}\nServicedesk QiQQ"

    def _nudges(self) -> tuple[str, ...]:
        return NUDGES_EN if self.english else NUDGES

    def _generic_question(self) -> str:
        return GENERIC_QUESTION_EN if self.english else GENERIC_QUESTION

    def _generic_progress(self) -> str:
        return GENERIC_PROGRESS_EN if self.english else GENERIC_PROGRESS


def _round5(instant: datetime) -> datetime:
    return instant.replace(minute=instant.minute - instant.minute % 5, second=0, microsecond=0)


def _round5_up(minutes: int) -> int:
    return max(5, (minutes + 4) // 5 * 5)
