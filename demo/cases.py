"""The demo's cast and what it wrote: the scripted cases that give every rule something to fire on.

The two practices and their people (and the names of the extra ones ``scale`` and ``size``
add); what clinicians write about incidents, ordinary (``ROUTINE_INCIDENTS``) and scripted; the
scripted cases of each therapist (``PROFILES``: which client, how many days ago, what paperwork);
and the terms of agreements and the addenda. Plain data: ``demo.builder`` turns it into rows.
"""

from dataclasses import dataclass

from accounts.models import Role
from boundaries.models import Category
from sessions_log.models import Classification, HarmLevel, Initiator, Location


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
    follow_up_note: str = ""  # what the therapist wrote on marking the follow-up done
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
        # Ordinary therapist-initiated crossings are kept out of the rules' windows (see builder.QUIET_DAYS).
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
        follow_up_note="Went through the crisis plan together; C. keeps the numbers on their phone.",
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
        follow_up_note="Discussed in supervision: the plan for the overlap stands; nothing to change.",
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
        follow_up_note="Pause signal written into the agreement; C. acknowledged the revised sheet.",
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
        follow_up_note="The calls ended as planned after four weeks; C. coped well without them.",
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
        follow_up_note="Safety plan reviewed at the next session; no change needed.",
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
    follow_up_note="Risk reviewed (low); contact agreement restated; C. agreed to use the practice line.",
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
    follow_up_note="Discussed in the peer group: a one-off, repaid; next time reception helps instead.",
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

# A follow-up done before the demo's today, where its text gives no note of its own.
DEFAULT_FOLLOW_UP_NOTE = "Done as planned; noted in the client's record."


# The loop closes (DESIGN §2, journey 4): after the first sweep, sup.rivera works dr.chen's flags
# through the real services and dr.chen answers. Flags are picked by rule and client code
# (RS-01CC is dr.chen's client in slot CC - 1), entries by the scripted text they were written from.


@dataclass(frozen=True)
class PlanText:
    """One follow-up of a corrective plan: due so many days from today; done with ``done_note`` if given."""

    action: str
    due_in_days: int
    done_note: str = ""


@dataclass(frozen=True)
class ReturnedEntry:
    """An incident of the flag's evidence sent back for revision; ``addendum`` answers it, if given."""

    text: IncidentText
    request: str
    addendum: str = ""
    reason: str = ""


LOOP_SUPERVISOR = "sup.rivera"
LOOP_THERAPIST = "dr.chen"
# Resolved with a corrective plan of two follow-ups, one done already; the therapist replies on it.
LOOP_RESOLVED = ("disclosure_pattern", "RS-0102")
LOOP_RESOLUTION = (
    "We went through the three disclosures together. Each was meant kindly, but together they have "
    "moved the focus onto you, and C. now says you are 'the same'. A written plan first, then the "
    "agreement with C."
)
LOOP_PLAN = (
    PlanText(
        "Write a disclosure plan for C.: what I will not share (family, health, my own history of "
        "panic) and how I will answer her personal questions from now on.",
        due_in_days=-3,
        done_note="Written and gone through with Elena Rivera; a copy is in C.'s record.",
    ),
    PlanText(
        "Review the self-disclosure agreement with C. at the next session and record how she responds.",
        due_in_days=7,
    ),
)
LOOP_REPLY = (
    "Thank you. I recognise the pattern: I was trying to reassure her. The plan is written; I will "
    "bring C.'s response to the agreement review to our next supervision."
)
# Two signed incidents of this flag returned at once; the therapist has answered one, so the flag
# still waits on the other, which is on her "returned to me" list. Her other open flags are left
# for a visitor (and the browser tests) to work.
LOOP_RETURNED_FLAG = ("slippery_slope", "RS-0103")
LOOP_RETURNED = (
    ReturnedEntry(
        SLOPE_PHONE,
        "The entry says twenty minutes was more than the agreement allows, but not what happens if C. "
        "rings the practice mobile again in the evening. Add what you told her and what you will do.",
        addendum="At the next session I told C. that the practice mobile is not answered after 18:00 "
        "and that in a crisis she calls the Samaritans on 116 123. If she rings in the evening again I "
        "will not answer, and will reply the next working morning through the practice line.",
        reason="Revision asked for by the supervisor: the plan for further evening calls.",
    ),
    ReturnedEntry(
        SLOPE_HUG,
        "You were advised to consider whether the late contact and the hug are one pattern of growing "
        "dependence. Add whether you have talked with C. about them together, and what you concluded.",
    ),
)
# A follow-up the therapist added by hand on a client's record (origin "client").
LOOP_CLIENT_FOLLOW_UP = (
    "RS-0104",
    "Book a review of the time agreement with C.: the review date has passed.",
    5,  # due in so many days
)

CLIENTS_PER_THERAPIST = 12
# Days from intake to today by slot, before a little jitter; slot 11 is discharged.
INTAKE_DAYS_AGO = (270, 235, 215, 195, 175, 150, 130, 110, 85, 55, 9, 250)
INCOMPLETE_INTAKE_DAYS_AGO = 40

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


# Supervision meetings (DESIGN §2 journey 4): sup.rivera meets dr.chen every two weeks and both her
# supervisees as a group once a month. (days ago, supervisees, format, minutes, [(item, minutes)],
# acknowledged by the supervisees). The newest minutes are left for dr.chen to acknowledge.
@dataclass(frozen=True)
class MeetingText:
    days_ago: int
    supervisees: tuple[str, ...]
    format: str
    minutes: int
    items: tuple[tuple[str, str], ...]
    acknowledged: bool = True


PAST_MEETINGS = (
    MeetingText(
        42,
        ("dr.chen",),
        "individual",
        60,
        (
            (
                "Caseload and self-care",
                "Twelve clients, two new intakes this month. Agreed to keep Friday afternoons free of "
                "sessions for notes and supervision reading.",
            ),
            (
                "Personal questions from clients",
                "Went through how to answer personal questions without disclosing: acknowledge the "
                "curiosity, return to the client's material. To revisit if the pattern continues.",
            ),
        ),
    ),
    MeetingText(
        28,
        ("dr.chen", "dr.patel"),
        "group",
        90,
        (
            (
                "Gifts and small favours",
                "Group discussion of the practice's gift policy (token gifts under £20 accepted and "
                "recorded; anything else declined kindly). Both therapists to check their agreements "
                "name it.",
            ),
            (
                "Contact between sessions",
                "Shared the practice line's hours and the crisis numbers to give. Texts from clients are "
                "answered only to rearrange sessions.",
            ),
        ),
    ),
    MeetingText(
        14,
        ("dr.chen",),
        "individual",
        60,
        (
            (
                "Sessions that run over",
                "Looked at the overruns of the last month together. Agreed to name the time ten minutes "
                "before the end and to keep the next slot as the hard stop.",
            ),
            (
                "Disclosure plan",
                "Reviewed the written disclosure plan. It is clear and realistic; bring the client's "
                "response to the agreement review next time.",
            ),
        ),
        acknowledged=False,
    ),
)
# The next meeting: in two days at 10:00 in the practice's time zone, its agenda proposed from
# dr.chen's open work.
UPCOMING_MEETING = (2, 10, ("dr.chen",), "individual", 60)
# dr.patel is pre-licensed: what he signs from this many days ago waits for sup.rivera's
# co-signature; she has co-signed what he signed until this many days ago.
COSIGN_FROM_DAYS_AGO = 60
COSIGNED_UNTIL_DAYS_AGO = 21
COSIGN_THERAPIST = "dr.patel"
# Every demo practice's library of standard agreement wordings (practice settings), by category:
# (title, terms), in the order offered.
STANDARD_WORDINGS = {
    Category.TIME: (
        (
            "50 minutes, a late start is not made up",
            "Sessions last 50 minutes and start on time; a late start is not made up at the end.",
        ),
        (
            "48 hours' notice to cancel",
            "A session cancelled with less than 48 hours' notice is charged, except in illness or an "
            "emergency.",
        ),
        (
            "Sessions end on time",
            "Sessions end at the agreed time. Something urgent raised near the end is named, and time is "
            "planned for it in the next session.",
        ),
    ),
    Category.PHYSICAL: (
        (
            "Handshake only",
            "A handshake at the first and last session only; otherwise no physical contact.",
        ),
        (
            "No physical contact",
            "No physical contact. If the client is distressed, the therapist offers grounding by voice, "
            "not touch.",
        ),
        (
            "Seating distance",
            "The chairs stand about two metres apart; either of us may ask to change the distance, and we "
            "talk about it when we do.",
        ),
    ),
    Category.DISCLOSURE: (
        (
            "Brief, and only when it serves the work",
            "The therapist shares personal information only briefly and when it serves the client's "
            "treatment; family, health and relationships are not discussed.",
        ),
        (
            "Personal questions",
            "The client may ask personal questions; the therapist may decline to answer, says so rather "
            "than deflecting, and we can explore what the question means.",
        ),
    ),
    Category.DUAL_RELATIONSHIP: (
        (
            "Meeting by chance outside",
            "If we meet outside the practice, the therapist does not greet the client first; the client "
            "may choose to say hello. Therapy is not discussed outside sessions.",
        ),
        (
            "No other relationship",
            "No business, social, romantic or online relationship between client and therapist during "
            "therapy or for two years after it ends.",
        ),
        (
            "Shared acquaintances",
            "Where client and therapist know the same people, neither discusses the other with them; the "
            "therapist says so if the overlap grows.",
        ),
    ),
    Category.COMMUNICATION: (
        (
            "Contact between sessions",
            "Between sessions, contact is by the practice phone line or e-mail, to arrange appointments "
            "only; messages are answered within one working day. In a crisis, the client calls the "
            "emergency number agreed at intake.",
        ),
    ),
    Category.GIFTS_MONEY: (
        (
            "Gifts and fees",
            "No gifts beyond a token of small value, such as a card. Fees are agreed in writing and "
            "changed only with a month's notice; no loans, barter or other dealings.",
        ),
    ),
    Category.ONLINE: (
        (
            "No social media contact",
            "The therapist accepts no friend or follow requests from clients and does not search for "
            "them online; anything either of us comes across by chance is raised in session.",
        ),
    ),
}
