"""Demo data (DESIGN §6): two practices, their cast, and months of records to review.

``seed_demo`` loads Riverside Practice (an admin, two supervisors, three therapists with a dozen
clients each) and Lakeside Practice (a second tenant), then fills nine months of agreements,
weekly sessions, incidents and addenda, relative to ``today``. The scripted cases below give
every rule of DESIGN §4 something to fire on; everything else is ordinary, varied practice.
Flags are left to the rule engine.

The same seed gives the same shape on any day; the dates move with ``today``. A second run finds
the demo practices and writes nothing. ``scale`` multiplies Riverside's therapists (and so its
clients and records) for performance work; the extra therapists repeat the scripted cases.

``size`` names a practice of a given size instead (``SIZES``; "practice-large" is 60 therapists,
6 supervisors, 3,000 clients, 150,000 sessions and 30,000 incidents in Riverside): the scripted
cast and cases of scale 1 are loaded as ever, then Riverside is filled up to the size with ordinary
practice, years of it, drawn from a random generator of its own (so the scripted cases do not
change) and written with PostgreSQL's COPY, not one INSERT per row.
"""

import contextlib
import datetime
import random
import zoneinfo
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Practice, Role, SupervisionAssignment, User
from boundaries.models import (
    CORE_CATEGORIES,
    AcknowledgementMethod,
    AgreementStatus,
    BoundaryAgreement,
    Category,
    ProposedBy,
)
from clients.models import Client, ClientSetting, ClientStatus
from sessions_log.models import (
    Addendum,
    Attendance,
    Classification,
    HarmLevel,
    Incident,
    Initiator,
    Location,
    Session,
    SessionSetting,
)

DEMO_PASSWORD = "alliance-demo"  # noqa: S105 - published in the README; demo data only
SEED = 1993  # Gutheil & Gabbard
CLIENTS_PER_THERAPIST = 12
DAY = datetime.timedelta(days=1)
MINUTE = datetime.timedelta(minutes=1)
# Scripted clients keep their recent weeks regular, and random incidents out of the windows the
# rules look at (at most 90 days), so that each rule fires where it is meant to and nowhere else.
QUIET_DAYS = 100


class DemoDataConflict(Exception):
    """The database holds accounts with demo usernames but no demo practices."""


@dataclass(frozen=True)
class Person:
    username: str
    first_name: str
    last_name: str
    role: str


@dataclass(frozen=True)
class PracticeCast:
    name: str
    time_zone: str
    usual_session_minutes: int
    code_prefix: str
    people: tuple[Person, ...]


RIVERSIDE = PracticeCast(
    name="Riverside Practice",
    time_zone="Europe/London",
    usual_session_minutes=50,
    code_prefix="RS",
    people=(
        Person("admin", "Jordan", "Hale", Role.PRACTICE_ADMIN),
        Person("sup.rivera", "Elena", "Rivera", Role.SUPERVISOR),
        Person("sup.okafor", "Daniel", "Okafor", Role.SUPERVISOR),
        Person("dr.chen", "Mei", "Chen", Role.THERAPIST),
        Person("dr.patel", "Anil", "Patel", Role.THERAPIST),
        Person("dr.nowak", "Katarzyna", "Nowak", Role.THERAPIST),
    ),
)
LAKESIDE = PracticeCast(
    name="Lakeside Practice",
    time_zone="Europe/Dublin",
    usual_session_minutes=60,
    code_prefix="LK",
    people=(
        Person("other.admin", "Ruth", "Byrne", Role.PRACTICE_ADMIN),
        Person("other.therapist", "Liam", "Walsh", Role.THERAPIST),
    ),
)
# (supervisor, therapist, starts so many days ago, ends so many days ago or None)
RIVERSIDE_ASSIGNMENTS = (
    ("sup.rivera", "dr.chen", 420, None),
    ("sup.okafor", "dr.patel", 540, 120),
    ("sup.rivera", "dr.patel", 120, None),
    ("sup.okafor", "dr.nowak", 300, None),
)
EXTRA_FIRST_NAMES = ("Aisha", "Ben", "Carla", "Dev", "Erin", "Farid", "Grace", "Hugo", "Ines", "Jonah")
EXTRA_LAST_NAMES = ("Adeyemi", "Brooks", "Costa", "Dunn", "Evans", "Fischer", "Gallo", "Hughes", "Ito")
THERAPISTS_PER_EXTRA_SUPERVISOR = 3


@dataclass(frozen=True)
class IncidentText:
    """What a clinician wrote about one kind of incident; scripted cases override the harm."""

    category: str
    initiated_by: str
    description: str
    rationale: str
    client_consent: str
    immediate_action: str
    follow_up: str = ""
    advice: str = "Keep to the agreement, name the crossing with the client and note how they respond."
    planned: bool = False
    in_session: bool = True
    location: str = Location.OFFICE
    harm: int = HarmLevel.NONE
    classification: str = Classification.CROSSING
    in_person: bool = False  # needs both people in one room (touch, a gift handed over)
    at: tuple[int, int] | None = None  # the hour and minute the description gives
    # How late the session started and how far it ran over, where the description says so.
    late_minutes: int = 0
    overrun_minutes: int | None = None

    @property
    def may_be_recent(self) -> bool:
        # Ordinary therapist-initiated crossings are kept out of the rules' windows (see QUIET_DAYS).
        return self.initiated_by != Initiator.THERAPIST and self.harm <= HarmLevel.LOW


# Ordinary incidents, spread at random over the clients' history.
ROUTINE_INCIDENTS = (
    IncidentText(
        Category.TIME,
        Initiator.CLIENT,
        "C. arrived 15 minutes late and asked to finish later. I ended at the scheduled time, as "
        "agreed, and we looked at what the lateness might be saying about the work at the moment.",
        "Keeping the end time protects the frame C. asked for at intake.",
        "C. accepted the ending; said it was 'annoying but fair'.",
        "Ended on time; noted the pattern to revisit if it recurs.",
        late_minutes=15,
        overrun_minutes=0,
    ),
    IncidentText(
        Category.TIME,
        Initiator.CLIENT,
        "C. asked to move the session to a Saturday morning because of a new job. I explained that I "
        "do not work at weekends and offered two evening slots instead.",
        "Weekend work is outside my availability; evening slots keep the weekly rhythm.",
        "C. chose the Thursday 18:00 slot.",
        "Offered alternatives within my hours.",
    ),
    IncidentText(
        Category.DISCLOSURE,
        Initiator.CLIENT,
        "C. asked whether I have children and where I go on holiday. I acknowledged the curiosity "
        "without answering and we explored C.'s wish to know more about me.",
        "Personal details would shift the focus away from C.; the question itself was useful material.",
        "C. said they understood and were 'just being nosy'.",
        "Explored the question in session.",
    ),
    IncidentText(
        Category.DISCLOSURE,
        Initiator.CLIENT,
        "C. asked about my religion, saying they needed to know whether I would judge a decision they "
        "were about to make. I said I keep my beliefs out of the room and asked what judgement they feared.",
        "Answering could have closed down what C. needed to say.",
        "C. was satisfied with the answer and went on to talk about the decision.",
        "Reflected the fear of judgement back to C.",
    ),
    IncidentText(
        Category.PHYSICAL,
        Initiator.CLIENT,
        "At the end of the last session before my leave, C. reached to hug me. I offered a handshake "
        "instead, which C. took.",
        "Keeps to the handshake-only agreement without rejecting C. at a sensitive ending.",
        "C. accepted the handshake; we talked about the break the following session.",
        "Offered a handshake; noted for discussion after the break.",
        harm=HarmLevel.LOW,
        in_person=True,
    ),
    IncidentText(
        Category.COMMUNICATION,
        Initiator.CLIENT,
        "C. emailed close to midnight about a panic attack. I replied the next working morning through "
        "the agreed channel, reminded C. of the out-of-hours crisis numbers and we discussed it in session.",
        "Replying within working hours keeps to the contact agreement while acknowledging the distress.",
        "C. agreed to use the crisis line out of hours and said the reply had been enough.",
        "Replied the next morning; reviewed the crisis plan.",
        follow_up="Review the crisis plan with C. at the next session.",
        in_session=False,
        location=Location.ONLINE,
        harm=HarmLevel.LOW,
        at=(23, 40),
    ),
    IncidentText(
        Category.COMMUNICATION,
        Initiator.CLIENT,
        "C. rang reception three times in one afternoon asking to speak to me urgently. When I called "
        "back at the end of the day no risk issue emerged; C. wanted to rearrange next week's session.",
        "A brief call back was proportionate; no change to the agreement needed.",
        "C. apologised and agreed to leave one message in future.",
        "Called back; rearranged the session.",
        in_session=False,
    ),
    IncidentText(
        Category.GIFTS_MONEY,
        Initiator.CLIENT,
        "C. brought a box of homemade biscuits before my two-week break. I accepted them as a token "
        "within the agreed limit and shared them with the team.",
        "A small seasonal token; refusing it would have felt like a rejection of the relationship.",
        "C. was pleased they were accepted.",
        "Accepted; told C. I would share them with colleagues.",
        in_person=True,
    ),
    IncidentText(
        Category.GIFTS_MONEY,
        Initiator.CLIENT,
        "C. asked to pay for the next two months in cash, in advance. I declined and kept to the monthly "
        "bank transfer we agreed at intake.",
        "Advance cash payment would blur the fee arrangement and the practice's records.",
        "C. accepted; said they had wanted to 'get it out of the way'.",
        "Declined; restated the fee arrangement.",
    ),
    IncidentText(
        Category.ONLINE,
        Initiator.CLIENT,
        "C. said they had looked me up online and read my professional profile and an old conference "
        "talk. We discussed what C. had hoped to find.",
        "Public professional information; the searching itself was worth understanding.",
        "C. was open about it and curious about their own motive.",
        "Explored in session; no change to the agreement.",
    ),
    IncidentText(
        Category.ONLINE,
        Initiator.CLIENT,
        "C. tagged the practice in a public post thanking 'my therapist'. I raised it at the next "
        "session and asked whether C. had thought about their privacy; C. took the post down.",
        "C.'s confidentiality is theirs to waive, but the post was impulsive and public.",
        "C. agreed the post was better removed.",
        "Raised at the next session.",
        in_session=False,
        location=Location.ONLINE,
        harm=HarmLevel.LOW,
    ),
    IncidentText(
        Category.DUAL_RELATIONSHIP,
        Initiator.CLIENT,
        "C. told me that their new manager is my brother-in-law. We discussed the overlap and agreed that "
        "I will say nothing about C. at family gatherings and will tell C. if C. is ever mentioned.",
        "The tie was not chosen by either of us; naming it openly keeps the work safe.",
        "C. was comfortable continuing and agreed the plan.",
        "Agreed a plan for the overlap; noted it in the dual-relationship agreement review.",
        follow_up="Discuss the overlap in supervision.",
        harm=HarmLevel.LOW,
    ),
    IncidentText(
        Category.DUAL_RELATIONSHIP,
        Initiator.CLIENT,
        "C. invited me to their wedding in the summer. I thanked them, declined, and we explored what "
        "my being there would have meant to C.",
        "Attending would create a social relationship outside the therapy.",
        "C. said they had expected the answer but wanted to ask.",
        "Declined warmly; explored the invitation.",
    ),
    IncidentText(
        Category.DUAL_RELATIONSHIP,
        Initiator.CLIENT,
        "I met C. by chance in the supermarket. C. greeted me; I returned the greeting briefly and moved "
        "on, as we had agreed. C. raised it at the next session with some embarrassment.",
        "Following the agreed plan for chance meetings.",
        "C. said the plan had worked and the embarrassment passed.",
        "Brief greeting only; discussed at the next session.",
        in_session=False,
        location=Location.OUTSIDE_OFFICE,
    ),
    IncidentText(
        Category.COMMUNICATION,
        Initiator.THIRD_PARTY,
        "C.'s mother telephoned the practice asking how the therapy was going. Reception confirmed "
        "nothing. I told C. at the next session; C. asked that we do not respond to her.",
        "Confidentiality: nothing is shared without C.'s consent.",
        "C. asked that no information be given to family members.",
        "Reception briefed; C. informed.",
        in_session=False,
        harm=HarmLevel.LOW,
    ),
    IncidentText(
        Category.DUAL_RELATIONSHIP,
        Initiator.THIRD_PARTY,
        "A colleague at the practice realised she knows C. from her children's school. She will not "
        "access C.'s records or cover my sessions with C.; I told C.",
        "Keeps C.'s care separate from a colleague's personal connection.",
        "C. was not troubled and did not want a change of therapist.",
        "Colleague excluded from C.'s record; C. informed.",
        in_session=False,
    ),
    IncidentText(
        Category.PHYSICAL,
        Initiator.CLIENT,
        "Talking about their former partner, C. threw a cushion across the room; it knocked over the "
        "lamp. Nobody was hurt. C. was shocked at themselves and calmed quickly.",
        "I stayed with C. rather than end the session, as C. settled within a minute and was not a risk.",
        "C. agreed that we name physical expressions of anger early and use a pause signal.",
        "Paused the session; grounding; agreed a pause signal.",
        follow_up="Add the pause signal to the physical-contact agreement.",
        advice="Reasonable to continue; review the safety plan and the room layout.",
        harm=HarmLevel.MODERATE,
        in_person=True,
    ),
    IncidentText(
        Category.DISCLOSURE,
        Initiator.THERAPIST,
        "I told C. that I had also moved country as a young adult, to acknowledge how disorienting C. "
        "was finding it. Brief; planned beforehand in supervision.",
        "Planned disclosure to reduce C.'s sense of isolation; kept short and returned to C.",
        "C. said it helped to know it was 'not just me'.",
        "Returned the focus to C.'s experience.",
        planned=True,
    ),
    IncidentText(
        Category.TIME,
        Initiator.THERAPIST,
        "I started the session ten minutes late because my previous client was in crisis. I apologised "
        "and offered to make up the time, which C. declined.",
        "The previous client's safety came first; the lost time was offered back.",
        "C. declined the extra time.",
        "Apologised; offered the time back.",
        late_minutes=10,
        overrun_minutes=0,
    ),
    IncidentText(
        Category.COMMUNICATION,
        Initiator.THERAPIST,
        "During C.'s acute period I offered a ten-minute check-in call on Friday, between sessions, as "
        "discussed in supervision.",
        "Short-term extra contact during a period of risk, time-limited and agreed in supervision.",
        "C. agreed to the call and to it ending after four weeks.",
        "Check-in calls booked for four Fridays.",
        follow_up="End the check-in calls after four weeks and review.",
        planned=True,
    ),
    IncidentText(
        Category.TIME,
        Initiator.THERAPIST,
        "I extended the session by ten minutes to finish a safety plan after C. disclosed thoughts of "
        "self-harm late in the hour.",
        "C.'s safety outweighed keeping the end time.",
        "C. agreed to stay to finish the plan.",
        "Safety plan completed and copied to C.",
        follow_up="Review the safety plan at the next session.",
        overrun_minutes=10,
    ),
)

# The scripted cases: each text is meant for one client, so pronouns may be specific.
DISCLOSURE_SEPARATION = IncidentText(
    Category.DISCLOSURE,
    Initiator.THERAPIST,
    "C. talked about her separation and asked whether I had been through one. I said I had, some years "
    "ago, and that it had been hard. C. then asked several questions about my children, which I deflected.",
    "I meant to normalise the grief she described; in hindsight I said more than I intended.",
    "Not sought; C. asked the question.",
    "Brought the focus back to C.'s experience later in the session.",
    harm=HarmLevel.LOW,
)
DISCLOSURE_SURGERY = IncidentText(
    Category.DISCLOSURE,
    Initiator.THERAPIST,
    "Explaining last month's cancelled session, I told C. I had been off work for surgery. C. asked "
    "about my recovery at length and said she had been worried about me.",
    "I wanted to explain the cancellation honestly; I did not mean to invite her concern.",
    "Not sought.",
    "Acknowledged her concern and returned to her agenda.",
)
DISCLOSURE_PANIC = IncidentText(
    Category.DISCLOSURE,
    Initiator.THERAPIST,
    "While C. described panic attacks before presentations, I told her I used to have them myself and "
    "what had helped me. C. said she now thinks of us as 'the same'.",
    "Intended to offer hope; on reflection it served my wish to be helpful more than her.",
    "Not sought.",
    "Explored what 'the same' meant to her.",
    follow_up="Take the recent run of self-disclosures with C. to supervision.",
    harm=HarmLevel.LOW,
)
SLOPE_OVERTIME = IncidentText(
    Category.TIME,
    Initiator.CLIENT,
    "Five minutes before the end, C. began talking about her father's diagnosis. I let the session run "
    "eight minutes over rather than stop her mid-sentence.",
    "Stopping while she was tearful seemed likely to feel like rejection.",
    "C. asked to continue.",
    "Named the overrun at the end; agreed to start there next week.",
    overrun_minutes=8,
)
SLOPE_EMAILS = IncidentText(
    Category.COMMUNICATION,
    Initiator.CLIENT,
    "C. sent four emails over two nights, the last at 01:40, saying she could not cope until her next "
    "session. I replied the next working morning through the agreed channel with the crisis numbers.",
    "A reply in working hours keeps to the agreement and still acknowledges her.",
    "C. agreed to use the crisis line at night.",
    "Replied the next morning; reviewed the crisis plan in session.",
    in_session=False,
    location=Location.ONLINE,
    harm=HarmLevel.LOW,
    at=(1, 40),
)
SLOPE_PHONE = IncidentText(
    Category.COMMUNICATION,
    Initiator.CLIENT,
    "C. rang my practice mobile at 21:15. I answered because I thought it might be a "
    "crisis; we spoke for twenty minutes about a row with her sister. There was no risk.",
    "I answered in case of risk; staying on for twenty minutes was more than the agreement allows.",
    "C. said she knew she should not have called.",
    "Ended the call; raised it at the next session.",
    in_session=False,
    location=Location.OUTSIDE_OFFICE,
    harm=HarmLevel.LOW,
    at=(21, 15),
)
SLOPE_HUG = IncidentText(
    Category.PHYSICAL,
    Initiator.CLIENT,
    "At the end of the session C. stepped forward and hugged me before I could respond, saying I am "
    "'the only person who gets it'. I stepped back and said we would talk about it next time.",
    "I did not reciprocate; pulling away sharply while she left in tears risked shaming her.",
    "At the next session C. agreed that we keep to the handshake agreement; she felt embarrassed.",
    "Stepped back; named it; planned to revisit the agreement.",
    follow_up="Review the physical-contact and between-session contact agreements with C.",
    advice="Revisit the physical-contact agreement explicitly and consider whether the late contact and "
    "the hug are one pattern of growing dependence.",
    harm=HarmLevel.MODERATE,
    in_person=True,
)
PATTERN_HUG = IncidentText(
    Category.PHYSICAL,
    Initiator.THERAPIST,
    "C. broke down describing her mother's funeral. At the end of the session I put a hand on her "
    "shoulder and, when she leaned in, briefly hugged her.",
    "A spontaneous response to acute grief; withdrawing felt cold.",
    "I did not ask first. At the next session C. said it had felt comforting; we agreed to return to "
    "handshake only.",
    "Discussed at the next session.",
    advice="Touch the therapist initiates needs agreeing beforehand; re-read the agreement with C.",
    harm=HarmLevel.LOW,
    in_person=True,
)
PATTERN_NEIGHBOURHOOD = IncidentText(
    Category.DISCLOSURE,
    Initiator.THERAPIST,
    "C. mentioned walking in the park by the river. I said I walk my dog there most mornings. C. later "
    "asked whether we might bump into each other and what she should do then.",
    "Said without thinking; not a planned disclosure.",
    "Not sought.",
    "Agreed what each of us would do if we met in the park: a nod, no conversation.",
)
PATTERN_FEE_WAIVER = IncidentText(
    Category.GIFTS_MONEY,
    Initiator.THERAPIST,
    "C. lost her job last week. I told her I would see her free of charge for the next three sessions, "
    "without checking the practice's reduced-fee policy or writing it down.",
    "To avoid a break in treatment at a time of acute stress.",
    "C. accepted gratefully.",
    "None at the time.",
    follow_up="Agree a written reduced-fee arrangement with C. and the practice admin; take the waiver "
    "to supervision.",
    harm=HarmLevel.LOW,
)
OVERRUN_LATE_ARRIVAL = IncidentText(
    Category.TIME,
    Initiator.CLIENT,
    "When I said we had five minutes left, C. asked for more time to finish talking about her week. I "
    "let the session run over again because the next slot was free; the last few sessions all have.",
    "The next slot was free; on reflection I am drifting from the agreed end time.",
    "C. asked for the extra time.",
    "Noted the run of overruns to raise with C.",
)
SPREAD_FRIEND_REQUEST = IncidentText(
    Category.ONLINE,
    Initiator.CLIENT,
    "C. sent me a friend request on Facebook and a follow request on Instagram on the same evening. I "
    "accepted neither.",
    "Accepting would create a social relationship outside the therapy.",
    "Not applicable.",
    "Declined both; planned to raise it at the next session under the online agreement.",
    in_session=False,
    location=Location.ONLINE,
    harm=HarmLevel.LOW,
)
SPREAD_WAITING = IncidentText(
    Category.COMMUNICATION,
    Initiator.CLIENT,
    "When I left the building at 19:30, C. was waiting by my car. She said she needed to tell me "
    "something that could not wait until her next session. I spoke with her for five minutes, "
    "reminded her of the crisis line and left.",
    "A brief, contained response rather than a refusal, given her distress; no session held outside.",
    "At the next session C. agreed to use the practice phone line instead.",
    "Five-minute conversation; crisis line given; supervisor called the same evening.",
    follow_up="Review risk and restate the contact agreement with C.",
    advice="Document, review risk, restate the contact agreement; consider an interim check-in call.",
    in_session=False,
    location=Location.OUTSIDE_OFFICE,
    harm=HarmLevel.MODERATE,
    at=(19, 30),
)
SPREAD_GIFT_CARD = IncidentText(
    Category.GIFTS_MONEY,
    Initiator.CLIENT,
    "C. brought a bookshop gift card as thanks for 'putting up with her'. I thanked her, explained that "
    "I could not accept it, and we talked about what giving it meant to her.",
    "Above the agreed limit for gifts.",
    "C. understood, though she was disappointed.",
    "Returned the card; explored its meaning.",
    in_person=True,
)
REPEAT_TEXTS = IncidentText(
    Category.COMMUNICATION,
    Initiator.CLIENT,
    "C. sent six text messages to the practice mobile between 23:00 and 02:00, mostly about not "
    "sleeping. No risk content.",
    "Not answered at night, as agreed; read the next morning.",
    "Not applicable.",
    "Acknowledged the messages the next morning; raised at the next session.",
    in_session=False,
    location=Location.ONLINE,
    at=(23, 5),
)
REPEAT_LETTER = IncidentText(
    Category.COMMUNICATION,
    Initiator.CLIENT,
    "C. emailed a long letter about her childhood and asked me to read it before the next session.",
    "Reading it between sessions would extend the contact agreement; I said we would read it together.",
    "C. agreed to bring it to the session.",
    "Replied briefly; suggested reading it together in session.",
    in_session=False,
    location=Location.ONLINE,
    harm=HarmLevel.LOW,
)
REPEAT_VOICEMAILS = IncidentText(
    Category.COMMUNICATION,
    Initiator.CLIENT,
    "C. left three voicemails in one afternoon asking to move her session; the third was tearful and "
    "apologised for 'being a nuisance'.",
    "Rescheduling requests are answered in working hours.",
    "Not applicable.",
    "Called back at the end of the day; session moved.",
    in_session=False,
    location=Location.ONLINE,
)
PRECAUTIONS_WRIST = IncidentText(
    Category.PHYSICAL,
    Initiator.CLIENT,
    "C. became very agitated talking about the court hearing, stood up and gripped my wrist hard for "
    "several seconds. I asked her to let go and to sit down, which she did. I was not hurt.",
    "I stayed in the room because she calmed within a minute.",
    "",
    "Grounding exercise; agreed how we would continue the session.",
    harm=HarmLevel.MODERATE,
    in_person=True,
)
VIOLATION_EXHIBITION = IncidentText(
    Category.DUAL_RELATIONSHIP,
    Initiator.THERAPIST,
    "I accepted C.'s invitation to the opening of her exhibition and went for about twenty minutes. "
    "We talked briefly in front of her friends, one of whom asked how we knew each other.",
    "I thought declining would undermine her fragile confidence in her work.",
    "C. invited me.",
    "Left early; raised it at the next session.",
    follow_up="Take to supervision; review the dual-relationship agreement with C.",
    planned=True,
    in_session=False,
    location=Location.OUTSIDE_OFFICE,
    harm=HarmLevel.LOW,
    classification=Classification.VIOLATION,
)
UNSIGNED_LATENESS = IncidentText(
    Category.TIME,
    Initiator.CLIENT,
    "C. arrived 25 minutes late after a missed bus; the session ended on time, as agreed.",
    "Keeping the end time, as agreed at intake.",
    "C. accepted.",
    "Ended on time.",
    late_minutes=25,
    overrun_minutes=0,
)
TRAIN_FARE_LOAN = IncidentText(
    Category.GIFTS_MONEY,
    Initiator.THERAPIST,
    "C.'s wallet had been stolen on the way to the session. I lent him the train fare home, which he "
    "repaid the following week.",
    "He had no other way to get home that evening.",
    "C. asked whether I could help.",
    "Lent the fare; noted it for supervision.",
    follow_up="Discuss the loan in supervision.",
    harm=HarmLevel.LOW,
    in_person=True,
)


@dataclass(frozen=True)
class Scripted:
    """One incident of a scripted case: which client slot, how many days ago, and its paperwork."""

    slot: int
    days_ago: int
    text: IncidentText
    consulted: bool = True
    follow_up: str = ""  # "open", "overdue" or "done" when the text has a follow-up
    draft: bool = False


@dataclass(frozen=True)
class Profile:
    """The scripted cases of one therapist; the clients in other slots are ordinary."""

    incidents: tuple[Scripted, ...] = ()
    overrun_slot: int | None = None  # the last four sessions ran over (time_overruns)
    draft_session: tuple[int, int] | None = None  # (slot, days ago) left unsigned
    review_due: tuple[int, int] | None = None  # (slot, days overdue) of the time agreement
    incomplete_slot: int | None = None  # missing an active dual-relationship agreement
    discharged_slots: tuple[int, ...] = (11,)

    @property
    def scripted_slots(self) -> set[int]:
        slots = {item.slot for item in self.incidents}
        if self.overrun_slot is not None:
            slots.add(self.overrun_slot)
        if self.draft_session:
            slots.add(self.draft_session[0])
        return slots


PROFILES = (
    # Like dr.chen: a disclosure pattern and a slow slide towards a violation.
    Profile(
        incidents=(
            Scripted(1, 20, DISCLOSURE_SEPARATION, consulted=False),
            Scripted(1, 14, DISCLOSURE_SURGERY, consulted=False),
            Scripted(1, 8, DISCLOSURE_PANIC, consulted=False, follow_up="open"),
            Scripted(2, 75, SLOPE_OVERTIME, consulted=False),
            Scripted(2, 52, SLOPE_EMAILS, consulted=False),
            Scripted(2, 31, SLOPE_PHONE),
            Scripted(2, 12, SLOPE_HUG, follow_up="open"),
        ),
        draft_session=(4, 6),
        review_due=(3, 6),
    ),
    # Like dr.patel: therapist-initiated crossings with three clients, and a client who overruns.
    Profile(
        incidents=(
            Scripted(1, 60, PATTERN_HUG),
            Scripted(2, 38, PATTERN_NEIGHBOURHOOD, consulted=False),
            Scripted(3, 20, PATTERN_FEE_WAIVER, consulted=False, follow_up="overdue"),
            Scripted(4, 10, OVERRUN_LATE_ARRIVAL, consulted=False),
        ),
        overrun_slot=4,
        discharged_slots=(9, 11),
    ),
    # Like dr.nowak: incidents across categories, repeated contact, missing precautions, a violation.
    Profile(
        incidents=(
            Scripted(1, 70, SPREAD_FRIEND_REQUEST, consulted=False),
            Scripted(1, 41, SPREAD_WAITING, follow_up="done"),
            Scripted(1, 16, SPREAD_GIFT_CARD, consulted=False),
            Scripted(2, 50, REPEAT_TEXTS, consulted=False),
            Scripted(2, 33, REPEAT_LETTER, consulted=False),
            Scripted(2, 14, REPEAT_VOICEMAILS, consulted=False),
            Scripted(3, 10, PRECAUTIONS_WRIST, consulted=False),
            Scripted(4, 28, VIOLATION_EXHIBITION, consulted=False, follow_up="open"),
            Scripted(7, 6, UNSIGNED_LATENESS, consulted=False, draft=True),
        ),
        review_due=(6, 12),
        incomplete_slot=5,
    ),
)
LAKESIDE_PROFILE = Profile(incidents=(Scripted(1, 30, TRAIN_FARE_LOAN, follow_up="done"),))
LAKESIDE_CLIENTS = 5

# Days from intake to today by slot, before a little jitter; slot 11 is discharged.
INTAKE_DAYS_AGO = (270, 235, 215, 195, 175, 150, 130, 110, 85, 55, 9, 250)
INCOMPLETE_INTAKE_DAYS_AGO = 40
SESSION_TIMES = ((8, 0), (9, 0), (10, 0), (11, 0), (12, 30), (14, 0), (15, 0), (16, 0), (17, 0), (18, 0))

# Agreed terms by category: (terms, rationale) at intake, then a revision.
AGREEMENT_TEXTS = {
    Category.TIME: (
        (
            "Weekly sessions of {minutes} minutes at a fixed time. If C. arrives late, the session still "
            "ends on time. Cancellations with less than 48 hours' notice are charged.",
            "A predictable frame; C. described chaotic time-keeping in earlier therapy.",
        ),
        (
            "Weekly {minutes}-minute sessions. Sessions start and end on time; overruns are named and kept "
            "for emergencies. Rescheduling by the practice phone line only.",
            "Agreed after several sessions ran over.",
        ),
    ),
    Category.PHYSICAL: (
        (
            "Handshake at the first and last session only; otherwise no physical contact. Chairs about "
            "two metres apart.",
            "C. values clear physical boundaries; history of intrusive contact.",
        ),
        (
            "No physical contact. If C. is distressed I offer grounding by voice, not touch; C. may use "
            "the agreed pause signal at any time.",
            "Revised after an unplanned hug so that both of us know what happens instead.",
        ),
    ),
    Category.DISCLOSURE: (
        (
            "I share personal information only briefly and when it serves C.'s treatment; I do not "
            "discuss my family, health or relationships. C. may ask; I may decline and we explore it.",
            "C. asked at intake how much they would learn about me.",
        ),
        (
            "As before, and I will tell C. when I am choosing not to answer a personal question rather "
            "than deflecting.",
            "Revised after C. said deflection felt like being shut out.",
        ),
    ),
    Category.DUAL_RELATIONSHIP: (
        (
            "If we meet outside, I will not greet C. first; C. may choose to say hello. No business, "
            "social or online relationship during therapy or for two years after it ends.",
            "We live in the same town and may meet by chance.",
        ),
        (
            "As before; in addition, C. and I have a mutual acquaintance and will not discuss each other "
            "with them. I will tell C. if the overlap grows.",
            "Revised after a pre-existing tie came to light.",
        ),
    ),
    Category.COMMUNICATION: (
        (
            "Email and the practice phone, for scheduling only. I reply within two working days and do "
            "not read messages at weekends. In a crisis C. calls 999 or the Samaritans on 116 123.",
            "Clarity about availability; C. worried about 'bothering' me.",
        ),
        (
            "Practice phone line only, for scheduling; no texts. I reply within one working day. Longer "
            "messages are brought to the session.",
            "Revised after a run of late-night messages.",
        ),
    ),
    Category.GIFTS_MONEY: (
        (
            "Fee per the practice's schedule, paid monthly by bank transfer. Small token gifts may be "
            "accepted and discussed; no other gifts, loans or barter.",
            "Standard terms; C. likes to mark occasions.",
        ),
        (
            "Reduced fee for six months because of C.'s student income, reviewed at the review date. "
            "Gift terms unchanged.",
            "C.'s circumstances changed; agreed in writing with the practice.",
        ),
    ),
    Category.ONLINE: (
        (
            "I do not accept friend or follow requests from clients on any platform and do not search "
            "for clients online. Video sessions use the practice's service only.",
            "C. is active on social media and asked about it.",
        ),
        (
            "As before; if C. finds my professional profiles, we talk about it in session rather than "
            "by message.",
            "Revised after C. mentioned reading my profile.",
        ),
    ),
}
OPTIONAL_CATEGORIES = (Category.COMMUNICATION, Category.GIFTS_MONEY, Category.ONLINE)
DRAFT_DUAL_TERMS = (
    "Under discussion: C. and I sing in the same community choir. Options are that I step back from "
    "the choir for the duration of therapy, or that we agree how to keep contact there minimal."
)
SESSION_ADDENDA = (
    (
        "The session took place by video, not in person: C.'s train was cancelled and we switched "
        "at the start.",
        "Setting recorded wrongly.",
    ),
    (
        "C. was in the waiting room on time; the late start was mine, as I was finishing a call.",
        "Clarifying who was late.",
    ),
    (
        "C. told me afterwards that this was their last session before a two-week holiday.",
        "Context that was missing from the entry.",
    ),
)
INCIDENT_ADDENDA = (
    (
        "C. said at the following session that they had not felt pressured; adding this to the record.",
        "Client's later account.",
    ),
    (
        "Supervisor's advice received after signing: keep a log of between-session contact for four weeks.",
        "Consultation after signing.",
    ),
    (
        "The matter was discussed again at the next session and C. agreed with the plan.",
        "Outcome of the immediate action.",
    ),
)
ADDENDA_PER_THERAPIST = 3
COUNTED = (
    "practices",
    "users",
    "supervision_assignments",
    "clients",
    "agreements",
    "sessions",
    "incidents",
    "addenda",
)


@dataclass
class ClientPlan:
    """A client with its generated records, before they are written."""

    client: Client
    practice: Practice
    zone: zoneinfo.ZoneInfo
    supervisor_name: str
    profile: Profile
    slot: int
    sessions: list[Session] = field(default_factory=list)
    agreements: dict[str, list[BoundaryAgreement]] = field(default_factory=dict)
    incidents: list[Incident] = field(default_factory=list)
    # Sessions a scripted incident already happened in: the next one is placed in another.
    used_sessions: set[int] = field(default_factory=set)

    @property
    def scripted(self) -> bool:
        return self.slot in self.profile.scripted_slots

    @property
    def therapist(self) -> User:
        return self.client.therapist


@dataclass(frozen=True)
class PracticeSize:
    """The size of Riverside Practice that ``seed_demo(size=...)`` fills up to (scripted cast included)."""

    name: str
    therapists: int
    supervisors: int
    clients: int
    sessions: int
    incidents: int
    years: int = 3  # how far back the oldest intake goes


SIZES = {
    "practice-large": PracticeSize(
        "practice-large", therapists=60, supervisors=6, clients=3000, sessions=150_000, incidents=30_000
    ),
}


def seed_demo(
    *, scale: int = 1, size: str | None = None, today: datetime.date | None = None, stdout=None
) -> dict[str, int]:
    """Load the demo practices and their records; return how many rows of each kind were written.

    Writes nothing (and returns zero counts) when a demo practice already exists. Raises
    ``DemoDataConflict`` when demo usernames are taken outside the demo practices.
    """
    if scale < 1:
        raise ValueError("scale must be at least 1")
    if size is not None and (size not in SIZES or scale != 1):
        raise ValueError(f"size must be one of {', '.join(SIZES)}, and scale 1 with it")
    today = today or timezone.localdate(timezone=zoneinfo.ZoneInfo(RIVERSIDE.time_zone))
    builder = DemoBuilder(scale=scale, today=today, size=SIZES[size] if size else None)
    if Practice.objects.filter(name__in=[RIVERSIDE.name, LAKESIDE.name]).exists():
        _write(stdout, "The demo practices already exist: nothing changed.")
        return dict.fromkeys(builder.counts, 0)
    taken = sorted(User.objects.filter(username__in=builder.usernames()).values_list("username", flat=True))
    if taken:
        raise DemoDataConflict(
            f"These demo usernames are already taken: {', '.join(taken)}. "
            "Load the demo into an empty database."
        )
    with transaction.atomic():
        # A bulk load, not a request: the per-statement timeout that protects requests
        # (DATABASE_STATEMENT_TIMEOUT) would cut the COPY of a large practice short.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 0")
        with _without_change_history():
            counts = builder.build()
    _write(stdout, builder.summary())
    return counts


@contextlib.contextmanager
def _without_change_history():
    """Load the demo without a history row per demo row (synthetic data has no history worth
    keeping, and the per-row triggers make a practice-large load many times slower). The
    triggers are switched off inside this transaction, whose table locks make any other
    writer wait for it, and are on again before it commits."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger"
            " WHERE tgname LIKE 'pgtrigger_insert_insert_%%' AND NOT tgisinternal"
        )
        triggers = cursor.fetchall()
        for table, name in triggers:
            cursor.execute(f'ALTER TABLE {table} DISABLE TRIGGER "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            # Deferred foreign-key checks still pending would block ALTER TABLE: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table, name in triggers:
                cursor.execute(f'ALTER TABLE {table} ENABLE TRIGGER "{name}"')


def _write(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text if text.endswith("\n") else f"{text}\n")


def _utc(day: datetime.date, hour: int, minute: int, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    """A wall-clock time in ``zone`` as the UTC value the database hands back, which signatures hash."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone).astimezone(datetime.UTC)


def _reserve_ids(model, objects: list) -> None:
    """Draw primary keys from the table's sequence: a signature hashes the id, so it must come first."""
    if not objects:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, len(objects)],
        )
        for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            obj.pk = pk


class DemoBuilder:
    """Builds the demo rows in memory, then writes each table in bulk.

    Dates are drawn relative to ``today``; nothing is documented or signed after the start of
    ``today`` in the practice's zone, so the data is in the past whenever it is loaded that day.
    """

    def __init__(self, *, scale: int, today: datetime.date, size: PracticeSize | None = None):
        self.scale = scale
        self.size = size
        self.today = today
        self.rng = random.Random(SEED)  # noqa: S311 - a repeatable demo, not a secret
        self.users: dict[str, User] = {}
        self.plans: list[ClientPlan] = []
        self.addenda: list[Addendum] = []
        self.counts = dict.fromkeys(COUNTED, 0)

    # The cast -----------------------------------------------------------------------------------

    def extra_people(self) -> tuple[list[Person], list[tuple[str, str]]]:
        """Therapists added by ``scale`` (three per step) and a supervisor for every three of them.

        With a ``size``, the therapists and supervisors that bring Riverside up to it instead, each
        new therapist supervised by whichever supervisor has the fewest supervisees so far.
        """
        if self.size is not None:
            return self.sized_people()
        people, pairs = [], []
        for number in range(1, 3 * (self.scale - 1) + 1):
            group = (number - 1) // THERAPISTS_PER_EXTRA_SUPERVISOR
            supervisor = f"sup.extra{group + 1}"
            if (number - 1) % THERAPISTS_PER_EXTRA_SUPERVISOR == 0:
                first = EXTRA_FIRST_NAMES[(group + 5) % len(EXTRA_FIRST_NAMES)]
                last = EXTRA_LAST_NAMES[(group + 3) % len(EXTRA_LAST_NAMES)]
                people.append(Person(supervisor, first, last, Role.SUPERVISOR))
            username = f"dr.extra{number}"
            first = EXTRA_FIRST_NAMES[number % len(EXTRA_FIRST_NAMES)]
            last = EXTRA_LAST_NAMES[(number * 7) % len(EXTRA_LAST_NAMES)]
            people.append(Person(username, first, last, Role.THERAPIST))
            pairs.append((supervisor, username))
        return people, pairs

    def sized_people(self) -> tuple[list[Person], list[tuple[str, str]]]:
        size = self.size
        base = [p for p in RIVERSIDE.people if p.role in (Role.SUPERVISOR, Role.THERAPIST)]
        supervisors = [p.username for p in base if p.role == Role.SUPERVISOR]
        people = []
        for number in range(1, size.supervisors - len(supervisors) + 1):
            first = EXTRA_FIRST_NAMES[(number + 5) % len(EXTRA_FIRST_NAMES)]
            last = EXTRA_LAST_NAMES[(number + 3) % len(EXTRA_LAST_NAMES)]
            people.append(Person(f"sup.extra{number}", first, last, Role.SUPERVISOR))
            supervisors.append(f"sup.extra{number}")
        load = dict.fromkeys(supervisors, 0)
        for supervisor, _therapist, _starts, ends in RIVERSIDE_ASSIGNMENTS:
            load[supervisor] += ends is None
        pairs = []
        scripted = sum(p.role == Role.THERAPIST for p in base)
        for number in range(1, size.therapists - scripted + 1):
            username = f"dr.extra{number}"
            first = EXTRA_FIRST_NAMES[number % len(EXTRA_FIRST_NAMES)]
            last = EXTRA_LAST_NAMES[(number * 7) % len(EXTRA_LAST_NAMES)]
            people.append(Person(username, first, last, Role.THERAPIST))
            supervisor = min(supervisors, key=lambda name: (load[name], supervisors.index(name)))
            load[supervisor] += 1
            pairs.append((supervisor, username))
        return people, pairs

    def usernames(self) -> list[str]:
        extra, _ = self.extra_people()
        return [person.username for person in (*RIVERSIDE.people, *LAKESIDE.people, *extra)]

    def build(self) -> dict[str, int]:
        password = make_password(DEMO_PASSWORD)  # once: hashing is deliberately slow
        riverside = self.create_practice(RIVERSIDE)
        lakeside = self.create_practice(LAKESIDE)
        extra, extra_pairs = self.extra_people()
        self.create_users(riverside, [*RIVERSIDE.people, *extra], password)
        self.create_users(lakeside, list(LAKESIDE.people), password)
        starts = 200 if self.size is None else self.size.years * 365 + 30
        extra_assignments = [(supervisor, therapist, starts, None) for supervisor, therapist in extra_pairs]
        assignments = [*RIVERSIDE_ASSIGNMENTS, *extra_assignments]
        self.create_assignments(riverside, assignments)

        supervisor_of = {therapist: sup for sup, therapist, _, ends in assignments if ends is None}
        # With a size, only the scripted cast repeats the scripted cases; ``fill`` does the rest.
        scripted_cast = RIVERSIDE.people if self.size else (*RIVERSIDE.people, *extra)
        therapists = [p.username for p in scripted_cast if p.role == Role.THERAPIST]
        for number, username in enumerate(therapists):
            self.plan_clients(
                riverside,
                self.users[username],
                f"{self.users[supervisor_of[username]].get_full_name()}, clinical supervisor",
                PROFILES[number % len(PROFILES)],
                code_stem=f"{RIVERSIDE.code_prefix}-{number + 1:02d}",
                slots=range(CLIENTS_PER_THERAPIST),
            )
        self.plan_clients(
            lakeside,
            self.users["other.therapist"],
            "Peer consultation group",
            LAKESIDE_PROFILE,
            code_stem=f"{LAKESIDE.code_prefix}-01",
            slots=(0, 1, 2, 6, 11),
        )
        Client.objects.bulk_create([plan.client for plan in self.plans])
        self.counts["clients"] = len(self.plans)

        for plan in self.plans:
            self.plan_agreements(plan)
        self.write_agreements()
        for plan in self.plans:
            self.plan_sessions(plan)
        sessions = [session for plan in self.plans for session in plan.sessions]
        _reserve_ids(Session, sessions)
        for plan in self.plans:
            for item in plan.profile.incidents:
                if item.slot == plan.slot:
                    self.add_incident(
                        plan, item.text, item.days_ago, item.consulted, item.follow_up, draft=item.draft
                    )
            self.plan_routine_incidents(plan)
        incidents = [incident for plan in self.plans for incident in plan.incidents]
        _reserve_ids(Incident, incidents)
        for username in [*therapists, "other.therapist"]:
            self.plan_addenda([plan for plan in self.plans if plan.therapist.username == username])

        for entry in (*sessions, *incidents):
            if entry.signed_at:
                entry.mark_signed(by=entry.client.therapist, at=entry.signed_at)
        Session.objects.bulk_create(sessions, batch_size=2000)
        Incident.objects.bulk_create(incidents, batch_size=2000)
        Addendum.objects.bulk_create(self.addenda)
        self.counts.update(sessions=len(sessions), incidents=len(incidents), addenda=len(self.addenda))
        if self.size is not None:
            riverside_plans = [plan for plan in self.plans if plan.practice == riverside]
            PracticeFiller(self, riverside, [self.users[t] for _s, t in extra_pairs], supervisor_of).fill(
                clients=len(riverside_plans),
                sessions=sum(len(plan.sessions) for plan in riverside_plans),
                incidents=sum(len(plan.incidents) for plan in riverside_plans),
            )
        return dict(self.counts)

    def create_practice(self, cast: PracticeCast) -> Practice:
        self.counts["practices"] += 1
        return Practice.objects.create(
            name=cast.name, time_zone=cast.time_zone, usual_session_minutes=cast.usual_session_minutes
        )

    def create_users(self, practice: Practice, people: list[Person], password: str) -> None:
        users = [
            User(
                username=person.username,
                first_name=person.first_name,
                last_name=person.last_name,
                email=f"{person.username}@example.org",
                role=person.role,
                practice=practice,
                password=password,
            )
            for person in people
        ]
        User.objects.bulk_create(users)
        self.users.update((user.username, user) for user in users)
        self.counts["users"] += len(users)

    def create_assignments(self, practice: Practice, rows) -> None:
        assignments = [
            SupervisionAssignment(
                practice=practice,
                supervisor=self.users[supervisor],
                therapist=self.users[therapist],
                starts_on=self.today - starts * DAY,
                ends_on=None if ends is None else self.today - ends * DAY,
            )
            for supervisor, therapist, starts, ends in rows
        ]
        SupervisionAssignment.objects.bulk_create(assignments)
        self.counts["supervision_assignments"] += len(assignments)

    # Clients and agreements ---------------------------------------------------------------------

    def plan_clients(self, practice, therapist, supervisor_name, profile, *, code_stem, slots) -> None:
        rng = self.rng
        zone = zoneinfo.ZoneInfo(practice.time_zone)
        for slot in slots:
            days_ago = INTAKE_DAYS_AGO[slot] + rng.randint(-6, 6)
            if slot == profile.incomplete_slot:
                days_ago = INCOMPLETE_INTAKE_DAYS_AGO
            intake = self.today - days_ago * DAY
            if intake.weekday() >= 5:  # the intake session is on a weekday; the next ones follow weekly
                intake += (7 - intake.weekday()) * DAY
            discharged = None
            if slot in profile.discharged_slots:
                discharged = min(intake + rng.randint(28, 200) * DAY, self.today - rng.randint(10, 40) * DAY)
            setting = rng.choices(ClientSetting.values, weights=(55, 25, 20))[0]
            plan = ClientPlan(
                Client(
                    practice=practice,
                    therapist=therapist,
                    code=f"{code_stem}{slot + 1:02d}",
                    intake_date=intake,
                    setting=setting,
                    status=ClientStatus.DISCHARGED if discharged else ClientStatus.ACTIVE,
                    discharged_on=discharged,
                ),
                practice,
                zone,
                supervisor_name,
                profile,
                slot,
            )
            if plan.scripted:  # their incidents include touch and gifts, so they come in person
                plan.client.setting = ClientSetting.IN_PERSON
            self.plans.append(plan)

    def plan_agreements(self, plan: ClientPlan) -> None:
        rng = self.rng
        client = plan.client
        last_day = client.discharged_on or self.today
        age = (last_day - client.intake_date).days
        incomplete = plan.slot == plan.profile.incomplete_slot
        review_due = (
            plan.profile.review_due
            if plan.profile.review_due and plan.profile.review_due[0] == plan.slot
            else None
        )
        categories = [c for c in CORE_CATEGORIES if not (incomplete and c == Category.DUAL_RELATIONSHIP)]
        categories += [c for c in OPTIONAL_CATEGORIES if rng.random() < 0.45]
        for category in categories:
            (terms, rationale), (revised_terms, revised_rationale) = AGREEMENT_TEXTS[category]
            interval = rng.choice((90, 90, 180, 365))
            first = self.agreement(plan, category, terms, rationale, client.intake_date, interval, last_day)
            versions = [first]
            if age >= 60 and rng.random() < 0.18:
                effective = client.intake_date + rng.randint(30, age - 14) * DAY
                second = self.agreement(
                    plan, category, revised_terms, revised_rationale, effective, interval, last_day
                )
                second.chain, second.version, second.supersedes = first.chain, 2, first
                first.status = AgreementStatus.SUPERSEDED
                versions.append(second)
            current = versions[-1]
            if client.discharged_on:
                current.status, current.ended_on = AgreementStatus.ENDED, client.discharged_on
            elif review_due and category == Category.TIME:
                current.next_review_on = self.today - review_due[1] * DAY
            plan.agreements[category] = versions
        if incomplete:
            draft = self.agreement(
                plan, Category.DUAL_RELATIONSHIP, DRAFT_DUAL_TERMS, "", self.today - 3 * DAY, 90, self.today
            )
            draft.status = AgreementStatus.DRAFT
            draft.acknowledged_on, draft.acknowledgement_method = None, ""
            plan.agreements[Category.DUAL_RELATIONSHIP] = [draft]

    def agreement(self, plan, category, terms, rationale, effective, interval, last_day) -> BoundaryAgreement:
        """One version, acknowledged (mostly) within ten days and before ``last_day``."""
        rng = self.rng
        reviews = (self.today - effective).days // interval + 1  # the first review date after today
        acknowledged = min(effective + rng.randint(0, 10) * DAY, last_day) if rng.random() < 0.85 else None
        method = rng.choices(AcknowledgementMethod.values, weights=(60, 25, 15))[0] if acknowledged else ""
        return BoundaryAgreement(
            client=plan.client,
            category=category,
            terms=terms.format(minutes=plan.practice.usual_session_minutes),
            proposed_by=rng.choices(ProposedBy.values, weights=(35, 15, 50))[0],
            rationale=rationale,
            effective_date=effective,
            review_interval_days=interval,
            next_review_on=effective + reviews * interval * DAY,
            status=AgreementStatus.ACTIVE,
            acknowledged_on=acknowledged,
            acknowledgement_method=method,
            recorded_by=plan.therapist,
            created_at=min(_utc(effective, 17, 0, plan.zone), self.now(plan)),
        )

    def write_agreements(self) -> None:
        versions = [version for plan in self.plans for chain in plan.agreements.values() for version in chain]
        # A revision points at the version before it, which must be saved first.
        BoundaryAgreement.objects.bulk_create([v for v in versions if v.version == 1], batch_size=2000)
        BoundaryAgreement.objects.bulk_create([v for v in versions if v.version > 1], batch_size=2000)
        self.counts["agreements"] = len(versions)

    def agreement_on(self, plan: ClientPlan, category: str, day: datetime.date) -> BoundaryAgreement | None:
        """The version of the client's agreement in ``category`` that was in force on ``day``."""
        in_force = None
        for version in plan.agreements.get(category, ()):
            if version.status != AgreementStatus.DRAFT and version.effective_date <= day:
                in_force = version
        return in_force

    # Sessions -----------------------------------------------------------------------------------

    def plan_sessions(self, plan: ClientPlan) -> None:
        """Weekly sessions at the client's usual time, from the intake session to yesterday or discharge."""
        rng = self.rng
        client = plan.client
        length = plan.practice.usual_session_minutes * MINUTE
        hour, minute = rng.choice(SESSION_TIMES)
        day = client.intake_date
        last = client.discharged_on or self.today - DAY
        while day <= last:
            days_ago = (self.today - day).days
            steady = plan.scripted and days_ago <= QUIET_DAYS
            if plan.sessions and not steady and rng.random() < 0.07:  # a holiday or a missed week
                day += 7 * DAY
                continue
            start = _utc(day, hour, minute, plan.zone)
            attendance = Attendance.ATTENDED
            if plan.sessions and not steady:
                attendance = rng.choices(Attendance.values, weights=(87, 6, 4, 3))[0]
            actual_start = actual_end = None
            if attendance == Attendance.ATTENDED:
                actual_start = start + rng.randint(-2, 3) * MINUTE
                overrun = rng.randint(-4, 5)
                # Long overruns stay out of the last month unless scripted (time_overruns looks at 30 days).
                if not steady and days_ago > 35 and rng.random() < 0.06:
                    overrun = rng.randint(8, 22)
                actual_end = start + length + overrun * MINUTE
            elif attendance == Attendance.LATE:
                actual_start = start + rng.randint(7, 25) * MINUTE
                actual_end = start + length + rng.randint(-2, 3) * MINUTE
            if client.setting == ClientSetting.MIXED:
                setting = rng.choice((SessionSetting.IN_PERSON, SessionSetting.TELEHEALTH))
            else:
                setting = SessionSetting(client.setting)
            if rng.random() < 0.03:
                setting = SessionSetting.PHONE
            session = Session(
                client=client,
                therapist=plan.therapist,
                scheduled_start=start,
                scheduled_end=start + length,
                actual_start=actual_start,
                actual_end=actual_end,
                setting=setting,
                attendance=attendance,
            )
            self.document(plan, session, after=actual_end or start + length)
            plan.sessions.append(session)
            day += 7 * DAY
        if plan.slot == plan.profile.overrun_slot:
            month_ago = self.now(plan) - 28 * DAY
            recent = [s for s in plan.sessions if s.actual_end and s.scheduled_start >= month_ago]
            for session, overrun in zip(recent[-4:], (12, 18, 25, 14), strict=False):
                self.retime(session, overrun=overrun)
        if plan.profile.draft_session and plan.profile.draft_session[0] == plan.slot:
            self.session_near(plan, plan.profile.draft_session[1], unsigned=True).signed_at = None

    def retime(self, session: Session, *, late: int = 0, overrun: int | None = None) -> None:
        """Make an attended session start ``late`` and end ``overrun`` minutes after its schedule."""
        if late:
            session.actual_start = session.scheduled_start + late * MINUTE
        if overrun is not None:
            session.actual_end = session.scheduled_end + overrun * MINUTE
        session.documented_at = max(session.documented_at, session.actual_end + 10 * MINUTE)
        if session.signed_at:
            session.signed_at = max(session.signed_at, session.documented_at)

    def now(self, plan: ClientPlan) -> datetime.datetime:
        """The start of ``today`` in the client's practice: nothing is documented or signed later."""
        return _utc(self.today, 0, 0, plan.zone)

    def document(self, plan: ClientPlan, entry, *, after: datetime.datetime, delay=(8, 200)) -> None:
        """Set when ``entry`` was documented and, unless that was in the last two days, when signed.

        The signature itself, which hashes the id, is applied once the ids are reserved.
        """
        rng = self.rng
        latest = self.now(plan) - MINUTE
        entry.documented_at = min(after + rng.randint(*delay) * MINUTE, latest)
        entry.signed_at = None
        if entry.documented_at < self.now(plan) - 2 * DAY:
            minutes = rng.randint(1, 25) if rng.random() < 0.75 else rng.randint(60, 2880)
            entry.signed_at = min(entry.documented_at + minutes * MINUTE, latest)

    def local_day(self, plan: ClientPlan, moment: datetime.datetime) -> datetime.date:
        return moment.astimezone(plan.zone).date()

    def days_ago(self, plan: ClientPlan, moment: datetime.datetime) -> int:
        return (self.today - self.local_day(plan, moment)).days

    def session_near(self, plan: ClientPlan, days_ago: int, *, unsigned=False, in_person=False) -> Session:
        """The client's attended session closest to ``days_ago`` that is old enough to have been signed.

        One meant to stay unsigned is at least five days old, so that 72 hours have surely passed.
        """
        youngest = 5 if unsigned else 3
        candidates = [
            s
            for s in plan.sessions
            if s.actual_start
            and self.days_ago(plan, s.scheduled_start) >= youngest
            and (s.setting == SessionSetting.IN_PERSON or not in_person)
            and s.pk not in plan.used_sessions
        ]
        return min(candidates, key=lambda s: abs(self.days_ago(plan, s.scheduled_start) - days_ago))

    # Incidents and addenda ----------------------------------------------------------------------

    def add_incident(
        self,
        plan: ClientPlan,
        text: IncidentText,
        days_ago: int,
        consulted: bool,
        follow_up: str,
        draft: bool = False,
        session: Session | None = None,
    ) -> None:
        rng = self.rng
        incident = Incident(
            client=plan.client,
            category=text.category,
            initiated_by=text.initiated_by,
            planned=text.planned,
            provisional_classification=text.classification,
            harm=int(text.harm),
            description=text.description,
            rationale=text.rationale,
            client_consent=text.client_consent,
            immediate_action=text.immediate_action,
        )
        if text.in_session:
            session = session or self.session_near(plan, days_ago, unsigned=draft, in_person=text.in_person)
            plan.used_sessions.add(session.pk)
            self.retime(session, late=text.late_minutes, overrun=text.overrun_minutes)
            if text.late_minutes and text.initiated_by == Initiator.CLIENT:
                session.attendance = Attendance.LATE
            span = int((session.actual_end - session.actual_start).total_seconds() // 60)
            incident.session = session
            in_room = session.setting == SessionSetting.IN_PERSON
            incident.location = Location.OFFICE if in_room else Location.ONLINE
            incident.occurred_at = session.actual_start + rng.randint(2, max(3, span - 2)) * MINUTE
            # Logged and signed in the same form as the session.
            incident.documented_at, incident.signed_at = session.documented_at, session.signed_at
            if draft:
                session.signed_at = incident.signed_at = None
        else:
            hour, minute = text.at or (rng.randint(8, 20), rng.choice((0, 15, 30, 45)))
            incident.location = text.location
            incident.occurred_at = _utc(self.today - days_ago * DAY, hour, minute, plan.zone)
            self.document(plan, incident, after=incident.occurred_at, delay=(20, 720))
            if draft:
                incident.signed_at = None
        day = self.local_day(plan, incident.occurred_at)
        documented_day = self.local_day(plan, incident.documented_at)
        incident.agreement = self.agreement_on(plan, text.category, day)
        if consulted:
            incident.consulted_with = plan.supervisor_name
            incident.consulted_on = documented_day
            incident.consultation_advice = text.advice
        if text.follow_up:
            incident.follow_up = text.follow_up
            incident.follow_up_owner = plan.therapist
            if follow_up == "open":
                incident.follow_up_due = self.today + rng.randint(5, 12) * DAY
            elif follow_up == "overdue":
                incident.follow_up_due = min(day + 11 * DAY, self.today - 5 * DAY)
            else:
                incident.follow_up_due = day + rng.randint(7, 21) * DAY
                if incident.follow_up_due < self.today:
                    earliest = max(day, incident.follow_up_due - 5 * DAY)
                    incident.follow_up_done_on = min(
                        earliest + rng.randint(0, 5) * DAY, incident.follow_up_due, self.today - DAY
                    )
        plan.incidents.append(incident)

    def plan_routine_incidents(self, plan: ClientPlan) -> None:
        """A few ordinary incidents over the client's history.

        At most two fall within the rules' windows, none of them therapist-initiated, and none at
        all for a scripted client, so that nothing but the scripted cases sets a rule off.
        """
        rng = self.rng
        last_day = plan.client.discharged_on or self.today - DAY
        recent = 0
        for _ in range(rng.choice((0, 1, 2, 2, 3, 3, 4, 5))):
            text = rng.choice(ROUTINE_INCIDENTS)
            youngest = max((self.today - last_day).days, 1)
            if not (text.may_be_recent and not plan.scripted and recent < 2):
                youngest = max(youngest, QUIET_DAYS + 1)
            session = None
            if text.in_session:
                candidates = [
                    s
                    for s in plan.sessions
                    if s.actual_start
                    and self.days_ago(plan, s.scheduled_start) >= youngest
                    and (s.setting == SessionSetting.IN_PERSON or not text.in_person)
                ]
                if not candidates:
                    continue
                session = rng.choice(candidates)
                days_ago = self.days_ago(plan, session.scheduled_start)
            else:
                oldest = (self.today - plan.client.intake_date).days
                if oldest < youngest:
                    continue
                days_ago = rng.randint(youngest, oldest)
            recent += days_ago <= QUIET_DAYS
            consulted = text.harm >= HarmLevel.MODERATE or rng.random() < (0.5 if text.harm else 0.15)
            self.add_incident(plan, text, days_ago, consulted, follow_up="", session=session)

    def plan_addenda(self, plans: list[ClientPlan]) -> None:
        """A few dated corrections to a therapist's signed entries."""
        rng = self.rng

        def settled(plan, entry) -> bool:
            return entry.signed_at is not None and entry.signed_at < self.now(plan) - 10 * DAY

        sessions = [
            (plan, s)
            for plan in plans
            for s in plan.sessions
            if settled(plan, s) and s.setting == SessionSetting.IN_PERSON
        ]
        incidents = [(plan, i) for plan in plans for i in plan.incidents if settled(plan, i)]
        picks = [(pair, SESSION_ADDENDA) for pair in rng.sample(sessions, min(2, len(sessions)))]
        picks += [(pair, INCIDENT_ADDENDA) for pair in rng.sample(incidents, min(1, len(incidents)))]
        for (plan, entry), texts in picks[:ADDENDA_PER_THERAPIST]:
            text, reason = rng.choice(texts)
            created = entry.signed_at + rng.randint(1, 6) * DAY + rng.randint(0, 480) * MINUTE
            self.addenda.append(
                Addendum(
                    client=plan.client,
                    session=entry if isinstance(entry, Session) else None,
                    incident=entry if isinstance(entry, Incident) else None,
                    text=text,
                    reason=reason,
                    author=plan.therapist,
                    created_at=min(created, self.now(plan) - 60 * MINUTE),
                )
            )

    # Output -------------------------------------------------------------------------------------

    def summary(self) -> str:
        counts = ", ".join(f"{number} {name.replace('_', ' ')}" for name, number in self.counts.items())
        supervisees: dict[str, list[str]] = {}
        for supervisor, therapist, _, ends in RIVERSIDE_ASSIGNMENTS:
            if ends is None:
                supervisees.setdefault(supervisor, []).append(therapist)
        how = f"size {self.size.name}" if self.size else f"scale {self.scale}"
        lines = [
            f"Loaded the demo data ({how}, dated up to {self.today:%Y-%m-%d}):",
            f"  {counts}.",
            f"Demo accounts, all with the password {DEMO_PASSWORD}:",
        ]
        for cast in (RIVERSIDE, LAKESIDE):
            for person in cast.people:
                role = Role(person.role).label
                note = ""
                if person.username in supervisees:
                    note = f"supervises {', '.join(supervisees[person.username])}"
                lines.append(f"  {person.username:<16} {role:<15} {cast.name:<19} {note}".rstrip())
        extra, pairs = self.extra_people()
        if extra:
            lines.append(
                f"  and {len(pairs)} extra therapists (dr.extra1 to dr.extra{len(pairs)}) with "
                f"{len(extra) - len(pairs)} supervisors (sup.extra1 ...), in {RIVERSIDE.name}."
            )
        return "\n".join(lines)


def _copy(model, objects: list) -> None:
    """Write ``objects`` (primary keys already drawn) with one COPY: far faster than INSERTs."""
    if not objects:
        return
    fields = [f for f in model._meta.concrete_fields if not f.generated]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    now = timezone.now()
    auto_now = {f.attname for f in fields if getattr(f, "auto_now", False)}
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for obj in objects:
            copy.write_row([now if f.attname in auto_now else getattr(obj, f.attname) for f in fields])


class PracticeFiller:
    """Fills Riverside up to ``builder.size`` with ordinary practice over the last few years.

    The new therapists' clients come in weekly, some for a few weeks, some for years; about
    half have been discharged. Incidents are the ordinary kinds of ``ROUTINE_INCIDENTS``, spread
    over each client's sessions, so the rules fire wherever the random history says they should,
    as they would in a real practice of that size. Sessions and incidents are written with COPY.
    """

    ACTIVE_SHARE = 0.55

    def __init__(self, builder: DemoBuilder, practice: Practice, therapists: list[User], supervisor_of):
        self.builder = builder
        self.practice = practice
        self.therapists = therapists
        self.supervisor_of = supervisor_of
        self.size = builder.size
        self.today = builder.today
        self.rng = random.Random(SEED + 1)  # noqa: S311 - its own stream: the scripted cases stay as they are
        self.zone = zoneinfo.ZoneInfo(practice.time_zone)

    def fill(self, *, clients: int, sessions: int, incidents: int) -> None:
        builder, rng, size = self.builder, self.rng, self.size
        # The builder's helpers draw from this stream from now on; the scripted cases are done.
        builder.rng = rng
        new_clients = size.clients - clients
        # Weekly sessions since intake: a few weeks for some clients, years for others.
        most = size.years * 52 - 2
        weeks = self.split(
            size.sessions - sessions, [rng.randint(2, most) for _ in range(new_clients)], cap=most
        )
        plans = self.plan_clients(weeks)
        Client.objects.bulk_create([plan.client for plan in plans], batch_size=2000)
        for plan in plans:
            self.plan_agreements(plan)
        versions = [v for plan in plans for chain in plan.agreements.values() for v in chain]
        BoundaryAgreement.objects.bulk_create([v for v in versions if v.version == 1], batch_size=2000)
        BoundaryAgreement.objects.bulk_create([v for v in versions if v.version > 1], batch_size=2000)

        for plan, count in zip(plans, weeks, strict=True):
            self.plan_sessions(plan, count)
        all_sessions = [s for plan in plans for s in plan.sessions]
        _reserve_ids(Session, all_sessions)
        attended = [[s for s in plan.sessions if s.actual_start] for plan in plans]
        per_client = self.split(size.incidents - incidents, [len(a) for a in attended])
        for plan, sessions_attended, count in zip(plans, attended, per_client, strict=True):
            for _ in range(count):
                self.add_incident(plan, sessions_attended)
        all_incidents = [i for plan in plans for i in plan.incidents]
        _reserve_ids(Incident, all_incidents)
        builder.addenda = []
        for therapist in self.therapists:
            builder.plan_addenda([plan for plan in plans if plan.therapist == therapist])
        for entry in (*all_sessions, *all_incidents):
            if entry.signed_at:
                entry.mark_signed(by=entry.client.therapist, at=entry.signed_at)
        _copy(Session, all_sessions)
        _copy(Incident, all_incidents)
        Addendum.objects.bulk_create(builder.addenda)
        builder.counts["addenda"] += len(builder.addenda)
        builder.counts["clients"] += len(plans)
        builder.counts["agreements"] += len(versions)
        builder.counts["sessions"] += len(all_sessions)
        builder.counts["incidents"] += len(all_incidents)

    def split(self, total: int, weights: list[int], cap: int | None = None) -> list[int]:
        """``total`` shared out in proportion to ``weights``: each share at least 1, at most ``cap``."""
        cap = cap or total
        if not weights or not len(weights) <= total <= cap * len(weights):
            raise ValueError(f"{total} cannot be shared out {len(weights)} ways of 1 to {cap}")
        whole = sum(weights) or 1
        shares = [min(cap, max(1, total * w // whole)) for w in weights]
        i = 0
        while (missing := total - sum(shares)) != 0:
            share = shares[i % len(shares)]
            if (missing > 0 and share < cap) or (missing < 0 and share > 1):
                shares[i % len(shares)] += 1 if missing > 0 else -1
            i += 1
        return shares

    def plan_clients(self, weeks: list[int]) -> list[ClientPlan]:
        rng, today = self.rng, self.today
        oldest = today - self.size.years * 365 * DAY
        plans = []
        for number, count in enumerate(weeks):
            therapist_number = number % len(self.therapists)
            therapist = self.therapists[therapist_number]
            slot = number // len(self.therapists)
            span = (count - 1) * 7 * DAY
            latest_end = today - DAY
            discharged = None
            if rng.random() > self.ACTIVE_SHARE and oldest + span < today - 14 * DAY:
                room = (today - 14 * DAY - (oldest + span)).days
                latest_end = oldest + span + rng.randint(0, room) * DAY
                discharged = latest_end + rng.randint(1, 10) * DAY
            intake = latest_end - span
            while intake.weekday() >= 5:
                intake -= DAY
            code = f"{RIVERSIDE.code_prefix}-{therapist_number + 4:02d}{slot + 1:02d}"
            client = Client(
                practice=self.practice,
                therapist=therapist,
                code=code,
                intake_date=intake,
                setting=rng.choices(ClientSetting.values, weights=(55, 25, 20))[0],
                status=ClientStatus.DISCHARGED if discharged else ClientStatus.ACTIVE,
                discharged_on=discharged,
            )
            supervisor = self.builder.users[self.supervisor_of[therapist.username]]
            plans.append(
                ClientPlan(
                    client,
                    self.practice,
                    self.zone,
                    f"{supervisor.get_full_name()}, clinical supervisor",
                    Profile(discharged_slots=()),
                    slot,
                )
            )
        return plans

    def plan_agreements(self, plan: ClientPlan) -> None:
        """The four core agreements; now and then one revised (version 2) or an optional one."""
        rng, builder = self.rng, self.builder
        client = plan.client
        last_day = client.discharged_on or self.today
        age = (last_day - client.intake_date).days
        categories = list(CORE_CATEGORIES)
        if rng.random() < 0.05:
            categories.append(rng.choice(OPTIONAL_CATEGORIES))
        for category in categories:
            (terms, rationale), (revised_terms, revised_rationale) = AGREEMENT_TEXTS[category]
            interval = rng.choice((90, 180, 365, 365))
            intake = client.intake_date
            first = builder.agreement(plan, category, terms, rationale, intake, interval, last_day)
            versions = [first]
            if age >= 60 and rng.random() < 0.02:
                effective = client.intake_date + rng.randint(30, age - 14) * DAY
                second = builder.agreement(
                    plan, category, revised_terms, revised_rationale, effective, interval, last_day
                )
                second.chain, second.version, second.supersedes = first.chain, 2, first
                first.status = AgreementStatus.SUPERSEDED
                versions.append(second)
            current = versions[-1]
            if client.discharged_on:
                current.status, current.ended_on = AgreementStatus.ENDED, client.discharged_on
            plan.agreements[category] = versions

    def plan_sessions(self, plan: ClientPlan, count: int) -> None:
        rng, builder = self.rng, self.builder
        client = plan.client
        length = self.practice.usual_session_minutes * MINUTE
        hour, minute = rng.choice(SESSION_TIMES)
        for week in range(count):
            day = client.intake_date + 7 * week * DAY
            start = _utc(day, hour, minute, self.zone)
            attendance = rng.choices(Attendance.values, weights=(87, 6, 4, 3))[0]
            actual_start = actual_end = None
            if attendance == Attendance.ATTENDED:
                actual_start = start + rng.randint(-2, 3) * MINUTE
                overrun = rng.randint(8, 22) if rng.random() < 0.03 else rng.randint(-4, 5)
                actual_end = start + length + overrun * MINUTE
            elif attendance == Attendance.LATE:
                actual_start = start + rng.randint(7, 25) * MINUTE
                actual_end = start + length + rng.randint(-2, 3) * MINUTE
            if client.setting == ClientSetting.MIXED:
                setting = rng.choice((SessionSetting.IN_PERSON, SessionSetting.TELEHEALTH))
            else:
                setting = SessionSetting(client.setting)
            session = Session(
                client=client,
                therapist=client.therapist,
                scheduled_start=start,
                scheduled_end=start + length,
                actual_start=actual_start,
                actual_end=actual_end,
                setting=setting,
                attendance=attendance,
            )
            builder.document(plan, session, after=actual_end or start + length)
            plan.sessions.append(session)

    def add_incident(self, plan: ClientPlan, attended: list[Session]) -> None:
        rng, builder = self.rng, self.builder
        text = rng.choice(ROUTINE_INCIDENTS)
        session = None
        if text.in_session and attended:
            session = rng.choice(attended)
            if text.in_person and session.setting != SessionSetting.IN_PERSON:
                text = rng.choice([t for t in ROUTINE_INCIDENTS if t.in_session and not t.in_person])
        elif text.in_session:
            text = rng.choice([t for t in ROUTINE_INCIDENTS if not t.in_session])
        if session is not None:
            days_ago = builder.days_ago(plan, session.scheduled_start)
        else:
            last = plan.client.discharged_on or self.today - DAY
            tenure = max(0, (last - plan.client.intake_date).days)
            days_ago = (self.today - last).days + rng.randint(0, tenure)
            days_ago = max(days_ago, 1)
        consulted = text.harm >= HarmLevel.MODERATE or rng.random() < (0.5 if text.harm else 0.15)
        follow_up = "open" if days_ago < 14 else "overdue" if rng.random() < 0.01 else "done"
        builder.add_incident(plan, text, days_ago, consulted, follow_up, session=session)
