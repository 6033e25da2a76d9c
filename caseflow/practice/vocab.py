"""The words of the practice tools: the DASH risk checklist's questions and answers, the MARAC
referral criteria, and the outcome wheel's occasions and starting areas."""
from __future__ import annotations

from enum import StrEnum


class DashAnswer(StrEnum):
    YES = "yes"
    NO = "no"
    NOT_KNOWN = "not_known"


DASH_ANSWERS = {DashAnswer.YES: "Yes", DashAnswer.NO: "No", DashAnswer.NOT_KNOWN: "Not known"}

# The domestic abuse, stalking, harassment and honour-based violence risk identification checklist
# (DASH RIC, 27 questions, asked of the adult victim). "The abuser" stands for the name the
# practitioner uses with the victim. The codes are stored with each answer, so a reworded
# question never changes what an earlier checklist recorded.
DASH_QUESTIONS = [
    ("injury", "Has the current incident resulted in injury?"),
    ("frightened", "Are you very frightened?"),
    ("afraid_of", "Are you afraid of further injury or violence?"),
    ("isolated", "Do you feel isolated from family or friends: does the abuser try to stop you seeing friends, family, your doctor or others?"),
    ("depressed", "Are you feeling depressed or having suicidal thoughts?"),
    ("separated", "Have you separated or tried to separate from the abuser within the past year?"),
    ("child_contact", "Is there conflict over child contact?"),
    ("stalking", "Does the abuser constantly text, call, contact, follow, stalk or harass you?"),
    ("pregnant", "Are you pregnant or have you recently had a baby (within the last 18 months)?"),
    ("other_children", "Are there any children, stepchildren that are not the abuser's in the household?"),
    ("hurt_children", "Has the abuser ever hurt the children or dependants?"),
    ("threatened_children", "Has the abuser ever threatened to hurt or kill the children or dependants?"),
    ("more_often", "Is the abuse happening more often?"),
    ("getting_worse", "Is the abuse getting worse?"),
    ("controlling", "Does the abuser try to control everything you do, or are they excessively jealous?"),
    ("weapons", "Has the abuser ever used weapons or objects to hurt you?"),
    ("threatened_to_kill", "Has the abuser ever threatened to kill you or someone else and you believed them?"),
    ("strangled", "Has the abuser ever attempted to strangle, choke, suffocate or drown you?"),
    ("sexual", "Does the abuser do or say things of a sexual nature that make you feel bad or that physically hurt you or someone else?"),
    ("other_person", "Is there any other person who has threatened you or who you are afraid of?"),
    ("hurt_anyone_else", "Do you know if the abuser has hurt anyone else?"),
    ("animals", "Has the abuser ever mistreated an animal or the family pet?"),
    ("financial", "Are there any financial issues: are you dependent on the abuser for money, or have they recently lost their job?"),
    ("drugs_alcohol_mental_health", "Has the abuser had problems in the past year with drugs, alcohol or mental health leading to problems in leading a normal life?"),
    ("suicide", "Has the abuser ever threatened or attempted suicide?"),
    ("broken_bail", "Has the abuser ever broken bail, an injunction or a formal agreement about when they can see you or the children?"),
    ("criminal_history", "Do you know if the abuser has ever been in trouble with the police or has a criminal history?"),
]
DASH_CODES = [code for code, _ in DASH_QUESTIONS]

# MARAC referral criteria: visible high risk (14 or more "yes"), professional judgement, or
# potential escalation (repeated police call-outs for domestic abuse in the past 12 months).
MARAC_THRESHOLD = 14


class WheelOccasion(StrEnum):
    """When the outcome wheel is scored: the baseline at assessment, and again at each review."""
    ASSESSMENT = "assessment"
    REVIEW = "review"
    CLOSURE = "closure"


WHEEL_OCCASIONS = {WheelOccasion.ASSESSMENT: "Assessment (baseline)", WheelOccasion.REVIEW: "Review",
                   WheelOccasion.CLOSURE: "Closure"}

WHEEL_SIZE = 10  # the wheel has ten areas: administrators word them, retire and replace them
SCORE_MIN, SCORE_MAX = 1, 10

# The area an early help service starts with (the shape of outcome stars, in this service's own
# words): administrators rename, describe, reorder and replace them.
DEFAULT_WHEEL_AREAS = [
    ("health", "Health", "Physical health, sleep, diet, and getting to appointments."),
    ("wellbeing", "How the adults are feeling", "The parents' or carers' own emotional wellbeing and mental health."),
    ("childrens_feelings", "Children's feelings", "Noticing and responding to how the children feel."),
    ("safety", "Safety at home", "Children kept safe from harm, inside and outside the home."),
    ("support", "Friends, family and community", "People the family can turn to; links with the community."),
    ("learning", "School and learning", "Attendance, learning and play, at school and at home."),
    ("behaviour", "Behaviour and boundaries", "Clear, consistent rules and how the children behave."),
    ("routines", "Daily routines", "Mornings, mealtimes, bedtimes and getting to school on time."),
    ("home_money", "Home and money", "A settled home, bills and debts managed."),
    ("work", "Work and training", "Steps towards volunteering, training or paid work."),
]
