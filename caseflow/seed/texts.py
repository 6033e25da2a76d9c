"""The words of a seeded county's casework, and the encrypted pools they are drawn from.

Free text is stored the way the app stores it: Fernet tokens under the app's keys
(caseflow.core.crypto.encrypt, what the EncryptedText and EncryptedJSON columns do on write). A
Fernet encryption costs tens of microseconds; millions of contact notes would spend minutes on
it alone. So the notes about nobody in particular (a visit went well, a review's notes) are
composed into a pool of a few thousand texts, encrypted ONCE, and the ciphertexts are reused
across rows: every row still decrypts to a plausible note under the real keys, which is all a
page or a benchmark can tell. Text that names a family's own people (the people named on a
request, the assessment's members) is encrypted per row.
"""
from __future__ import annotations

import json
import random

from caseflow.core import crypto
from caseflow.demo import DETAILS
from caseflow.demo_casework import ACTIONS, OUTCOMES, VOICES

POOL_SIZE = 3000  # distinct contact notes; the other pools are smaller

# A note is an opening, what happened and what comes next: 20 x 20 x 12 combinations.
_OPENINGS = [
    "Home visit with mum and the children.", "Visited the family at home after school.",
    "Phone call with dad about the week.", "Met mum at the children's centre.",
    "Joint visit with the school's family support worker.", "Saw the family at home; the youngest was poorly.",
    "Called mum to follow up on last week's visit.", "Met the eldest at school at lunchtime.",
    "Home visit; both parents were in.", "Short visit to drop off the food bank voucher.",
    "Video call with mum, who is self-isolating.", "Office visit: mum came in with the baby.",
    "Met grandma, who is helping with the school run.", "Visited after the police notification.",
    "Catch-up call with the health visitor and mum.", "Saw the children on their own in their rooms.",
    "Home visit; the house was calmer than last time.", "Walked with mum to the housing office.",
    "Met dad at the Jobcentre before his appointment.", "Visit at the family's request after a bad weekend.",
]
_HAPPENED = [
    "Talked through how the week had gone and what got in the way of school.",
    "Mum says the new bedtime routine is mostly working; two late nights this week.",
    "The children's attendance is up this half term and the school has noticed.",
    "Went through the budget together; the arrears plan with the landlord is holding.",
    "Dad is keen on the warehouse training course; we filled in the form together.",
    "The eldest was angry about the contact arrangements and did not want to talk.",
    "Mum has not been sleeping and agreed to ask the GP for an appointment.",
    "No further incidents since the safety plan was agreed; the locks have been changed.",
    "The youngest settled well at nursery; mum has time for her own appointments now.",
    "Money is tight again after the benefit change; referred to the welfare rights service.",
    "Mum and the eldest had a big row; we talked about what helped last time.",
    "The family went to the parenting group for the first time and liked it.",
    "School reports two detentions this week but no exclusions.",
    "Dad has started at the community garden two mornings a week.",
    "The house was cold; we applied to the household support fund together.",
    "Mum spoke about her own childhood and why asking for help feels hard.",
    "The children drew their family tree; the middle child left dad off it.",
    "Reviewed the plan's actions: two done, one overdue (the housing referral).",
    "The eldest has been going to football again and seemed brighter.",
    "Mum was anxious about the court hearing next month; explained what happens.",
]
_NEXT = [
    "Next visit in a week.", "Will chase the housing referral.", "Will speak to the school SENCo.",
    "Mum will ring the GP on Monday.", "Next visit after the review meeting.",
    "Will bring the application form next time.", "Agreed to meet at school next Thursday.",
    "Will check in by phone on Friday.", "Nothing further needed this week.",
    "Will update the plan with the new action.", "Will share the safety plan with the school (consent given).",
    "Will book the room for the TAF meeting.",
]
MISSED = ["No answer; card left.", "Family not in at the agreed time; texted mum to rearrange.",
          "Mum cancelled by text an hour before; rearranged for next week.", "No answer; neighbours say they are away."]
NEXT_STEPS = [*_NEXT, "Rearrange the visit.", "Try again at a different time of day."]

TRIAGE_RATIONALE = [
    "Several needs across the family and no lead professional yet: to panel for a keyworker.",
    "Needs are met by one service: signposted with the family's agreement.",
    "Two headline problems evidenced by partners; the family want support.",
    "Threshold for statutory assessment met: passed to children's social care.",
    "Re-referral within a year: the family asked for the same worker if possible.",
]
PANEL_RATIONALE = [
    "Allocated to the locality team: the family live in their area.",
    "Panel agreed whole-family support with a keyworker.",
    "Needs can be met by a universal service: signposted.",
    "Deferred: the school is gathering attendance data for next week.",
    "Risk has escalated since the request: stepped up to children's social care.",
]
SIGNPOSTS = ["Riverside children's centre parenting group", "Family Action Northshire drop-in",
             "Northshire Homes tenancy support", "School nurse drop-in", "Citizens Advice debt clinic",
             "Young carers service", "Northshire talking therapies"]
REVIEW_NOTES = ["Progress reviewed with the family.", "Good progress on school attendance; housing still a worry.",
                "The family feel things are better; the plan continues.", "Mixed progress: new action added for health.",
                "Dad did not attend; mum and the school agreed the next steps."]
CLOSURE_SUMMARIES = ["The family has met the goals in their plan and knows where to turn.",
                     "Attendance is above 90% and the arrears are cleared: support ends with the family's agreement.",
                     "The family stopped engaging after three missed visits; the school will keep in touch.",
                     "The family moved out of the area; their new council has the handover.",
                     "Needs are now met by universal services (school and health visitor)."]
FEEDBACK = ["Having one worker who knew us made the difference.", "We didn't have to tell our story again.",
            "It was hard at first but the kids are happier.", "The group helped more than the visits.", ""]
TRANSITION_REASONS = {
    "request": "Request for help", "triage": "Triage decision recorded", "send_to_panel": "Triage: to panel",
    "signpost": "Needs met by another service", "allocate": "Allocated at panel",
    "start_assessment": "Assessment started", "complete_assessment": "Assessment complete",
    "agree_plan": "Plan agreed with the family", "step_up": "Threshold for statutory assessment met",
    "step_down": "Risk reduced; the family is engaging", "resume_planning": "Re-allocated after step-down",
    "resume_reviews": "Re-allocated after step-down", "close": "Case closed",
}
STEP_UP_REASONS = ["Disclosure at school: section 47 threshold met.", "Escalating domestic abuse with the children present.",
                   "Neglect concerns raised by the health visitor and the school."]
STEP_DOWN = [("Risk reduced; the family is engaging.", "Whole-family support."),
             ("Child protection plan ended; support still needed.", "Help with routines and school attendance.")]
EVENT_SUMMARIES = {
    "police_contact": "Officers spoke to a family member after a report from a neighbour.",
    "domestic_abuse": "Officers attended a domestic abuse incident at the home; the child was present.",
    "missing_episode": "Reported missing overnight; found the next morning.",
    "ae_attendance": "Attended A&E with a minor injury; discharged the same day.",
    "school_exclusion": "Fixed-term exclusion of three days for disruptive behaviour.",
    "anti_social_behaviour": "Reported for anti-social behaviour with friends near the shops.",
    "arrest": "Arrested and released under investigation.",
}
EVIDENCE = {
    "crime_asb": "Police ASB reports", "education": "School attendance data",
    "children_need_help": "Health visitor's observations", "worklessness": "Jobcentre confirms out of work",
    "domestic_abuse": "Police domestic abuse notifications", "health": "GP letter",
}
FAMILY_VIEWS = ["Mum says things have been hard and wants help to turn them round.",
                "Dad feels nobody listened before and wants one person to talk to.",
                "The family want the children back in school and less shouting at home."]
ASSESSMENT_SUMMARY = ["Several needs feed each other: money worries, poor sleep, missed school.",
                      "A loving family under strain; the parents' own health is the key.",
                      "Risk is managed; the family needs practical help and one plan."]


class Encrypter:
    """Encrypts under the app's keys, once per distinct plaintext (a cache for the texts that
    repeat, such as a triage decision's problems and evidence)."""

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}

    def once(self, plaintext: str) -> str:
        token = self._cache.get(plaintext)
        if token is None:
            token = self._cache[plaintext] = crypto.encrypt(plaintext)
        return token

    def once_json(self, value) -> str:
        return self.once(json.dumps(value, default=str))

    @staticmethod
    def each(plaintext: str) -> str:
        return crypto.encrypt(plaintext)

    @staticmethod
    def each_json(value) -> str:
        return crypto.encrypt(json.dumps(value, default=str))


class Pools:
    """Every pool of encrypted texts the generator draws from, built once per run."""

    def __init__(self, rng: random.Random, encrypter: Encrypter) -> None:
        once = encrypter.once
        combos = [f"{a} {b} {c}" for a in _OPENINGS for b in _HAPPENED for c in _NEXT]
        rng.shuffle(combos)
        self.contact_notes = [once(t) for t in combos[:POOL_SIZE]]
        self.missed_notes = [once(t) for t in MISSED]
        self.next_steps = [once(t) for t in NEXT_STEPS]
        self.triage_rationale = [once(t) for t in TRIAGE_RATIONALE]
        self.panel_rationale = [once(t) for t in PANEL_RATIONALE]
        self.review_notes = [once(t) for t in REVIEW_NOTES]
        self.closure_summaries = [once(t) for t in CLOSURE_SUMMARIES]
        self.feedback = [once(t) for t in FEEDBACK if t]
        self.transition_reasons = {action: once(t) for action, t in TRANSITION_REASONS.items()}
        self.step_up_reasons = [once(t) for t in STEP_UP_REASONS]
        self.step_up_concern = once("Child at risk of significant harm.")
        self.step_down = [(once(a), once(b)) for a, b in STEP_DOWN]
        self.event_summaries = {kind: once(t) for kind, t in EVENT_SUMMARIES.items()}
        self.family_views = [once(t) for t in FAMILY_VIEWS]
        self.assessment_summary = [once(t) for t in ASSESSMENT_SUMMARY]
        self.allocation_reason = once("Allocated at panel")
        # Plan wording (demo_casework's outcomes and actions), for "the children" and "mum".
        names = {"child": "The children", "parent": "Mum"}
        self.outcomes = {code: (once(d.format(**names)), once(m.format(**names)))
                         for code, (d, m) in OUTCOMES.items()}
        self.actions = {code: once(text) for code, text in ACTIONS.items()}
        self.voices = VOICES
