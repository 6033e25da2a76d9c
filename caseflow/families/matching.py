"""Tell the story once: match people named on a request to people already known.

    SubmittedPerson           what a request says about one person
    normalise(person)         fill Person's matching keys before it is saved
    match_person(session, s)  -> PersonMatch(status, person_id, score, candidates)

Status is "linked" (confident: link automatically), "needs_review" (a front-door officer must
confirm or reject; candidates best first, each with plain-English reasons) or "new".

How it decides, in the spirit of Fellegi-Sunter record linkage:
1. Exact identifiers first (NHS number, Unique Pupil Number).
2. Candidates come only from indexed look-ups ("blocking"): the same or day/month-swapped date
   of birth; the same postcode; the same phonetic surname born within about a year; the same
   normalised names. Never a scan, so cost does not grow with the population.
3. Each candidate earns agreement weights per field (given name, family name, date of birth,
   postcode, sex), scored with rapidfuzz and tolerant of typos, nicknames and swapped names.
4. Auto-link only when the evidence is strong on every axis (exact date of birth, the same
   postcode area, names agreeing up to a typo or nickname) and no other candidate comes close:
   a wrong link would show one family's history to another's worker, so doubt goes to a person.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property, lru_cache
from importlib import resources

import jellyfish
from anyascii import anyascii
from rapidfuzz.distance import JaroWinkler
from sqlalchemy import and_, false, func, or_, select, true, union

from caseflow.families.models import Family, FamilyMember, MatchStatus, Person, PersonName

# Agreement weights (roughly log2 odds of "same person" for each level of agreement).
W_GIVEN = {"exact": 6.0, "nickname": 5.0, "typo": 4.0, "similar": 1.0, "differ": -6.0}
W_FAMILY = {"exact": 5.0, "typo": 3.5, "similar": 1.0, "differ": -4.0}
W_DOB = {"exact": 8.0, "near": 3.0, "missing": 0.0, "differ": -8.0}
W_POSTCODE = {"exact": 3.0, "district": 1.0, "missing": 0.0, "differ": -1.0}
W_SEX_CONFLICT = -4.0
MAX_SCORE = W_GIVEN["exact"] + W_FAMILY["exact"] + W_DOB["exact"] + W_POSTCODE["exact"]

AUTO_LINK_SCORE = 16.0   # and the strict conditions in auto_linkable()
REVIEW_SCORE = 11.0      # below this a candidate is not worth an officer's time (a shared
                         # first name and birthday alone, with a different surname, is chance)
CLEAR_WINNER_MARGIN = 4.0
MAX_CANDIDATES_SHOWN = 4
NAME_HELD_BY = 5         # a first name held by this many people is a name in its own right, not a typo
BLOCK_LIMIT = 400        # rows per look-up: a runaway block must not stall the front door


@dataclass
class SubmittedPerson:
    given_name: str
    family_name: str
    date_of_birth: date | None = None
    sex: str | None = None
    postcode: str | None = None
    nhs_number: str | None = None
    upn: str | None = None


@dataclass
class Candidate:
    person_id: str
    family_ids: list[str]
    score: float
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"person_id": self.person_id, "family_ids": self.family_ids,
                "score": round(self.score, 3), "reasons": self.reasons}


@dataclass
class PersonMatch:
    status: MatchStatus  # LINKED, NEEDS_REVIEW or NEW
    person_id: str | None = None
    score: float | None = None
    candidates: list[Candidate] = field(default_factory=list)


# --- normalisation -------------------------------------------------------------------------------

def normalise_postcode(postcode: str | None) -> str | None:
    if not postcode:
        return None
    return re.sub(r"\s+", "", postcode).upper() or None


NAME_KEY_LENGTH = 100  # Person.given_name_norm / family_name_norm


def normalise_name(name: str | None) -> str:
    """The comparison key of a name in any script: its Latin transliteration (anyascii: "Ольга"
    -> "olga", "李" -> "li", "محمد" -> "mhmd", "José" -> "jose"), lower case, letters only. The
    name itself is stored as typed; only this key is compared and searched, so the same name
    typed twice in its own script gives the same key, and a Cyrillic or Greek name also meets its
    usual Latin spelling."""
    folded = unicodedata.normalize("NFKC", name or "")
    return re.sub(r"[^a-z]", "", anyascii(folded).lower())[:NAME_KEY_LENGTH]


def is_latin(name: str | None) -> bool:
    """Every letter of the name is in the Latin script (accents allowed)."""
    letters = [c for c in (name or "") if c.isalpha()]
    return bool(letters) and all(unicodedata.name(c, "").startswith("LATIN") for c in letters)


def phonetic(name: str | None) -> str | None:
    """The sound-alike key used to find candidates born near the same date. Metaphone encodes
    how English spelling sounds, so it applies only to names written in Latin letters ("Smyth"
    meets "Smith"); a name in another script is keyed by its transliteration as it is, because
    Metaphone's rules would merge unrelated transliterated names (Arabic loses its short vowels,
    Chinese syllables are one or two letters)."""
    norm = normalise_name(name)
    if not norm:
        return None
    if is_latin(name):
        return jellyfish.metaphone(norm)[:12] or None
    return norm[:12]


_HAN_OR_KANA = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def name_words(text: str) -> list[list[str]]:
    """What was typed in a search, as the name keys each word may match: one key per word, or,
    for a word in Chinese, Japanese or Korean characters (written without spaces, one syllable a
    character: "李伟"), the word whole and each character on its own, so "李伟" finds a family
    name 李 with a given name 伟."""
    out = []
    for word in text.split():
        whole = normalise_name(word)
        if not whole:
            continue
        parts = [normalise_name(c) for c in word] if _HAN_OR_KANA.search(word) and len(word) > 1 else []
        out.append([whole, *[p for p in parts if p]] if len([p for p in parts if p]) > 1 else [whole])
    return out


def normalise(person: Person) -> None:
    person.given_name_norm = normalise_name(person.given_name)
    person.family_name_norm = normalise_name(person.family_name)
    person.postcode_norm = normalise_postcode(person.postcode)
    person.name_phonetic = phonetic(person.family_name)


def normalise_previous_name(name: PersonName) -> None:
    """A previous name is keyed exactly as a current one, so every look-up finds it the same way."""
    name.given_name_norm = normalise_name(name.given_name)
    name.family_name_norm = normalise_name(name.family_name)
    name.name_phonetic = phonetic(name.family_name)


def _district(postcode_norm: str | None) -> str | None:
    # The outward code (e.g. NS1 of NS14AB) is everything but the last three characters.
    return postcode_norm[:-3] if postcode_norm and len(postcode_norm) > 3 else None


@lru_cache(maxsize=1)
def _nickname_groups() -> dict[str, frozenset[int]]:
    groups: dict[str, set[int]] = {}
    text = resources.files("caseflow.data").joinpath("nicknames.csv").read_text()
    for number, row in enumerate(csv.reader(line for line in text.splitlines()
                                            if line and not line.startswith("#"))):
        for name in row:
            groups.setdefault(normalise_name(name), set()).add(number)
    return {name: frozenset(ids) for name, ids in groups.items()}


def same_given_name(a: str, b: str) -> bool:
    groups = _nickname_groups()
    return bool(groups.get(a, frozenset()) & groups.get(b, frozenset()))


# --- comparing one pair --------------------------------------------------------------------------

def _similarity(a: str, b: str) -> float:
    return JaroWinkler.normalized_similarity(a, b) if a and b else 0.0


def _given_level(a: str, b: str) -> str:
    if a and a == b:
        return "exact"
    if same_given_name(a, b):
        return "nickname"
    sim = _similarity(a, b)
    return "typo" if sim >= 0.92 else "similar" if sim >= 0.84 else "differ"


# A match at county scale scores several hundred candidates, and the same surnames and dates of
# birth recur among them: their parts and digits are worked out once per process.
@lru_cache(maxsize=1 << 16)
def _surname_parts(raw: str | None) -> frozenset[str]:
    return frozenset(normalise_name(p) for p in re.split(r"[\s-]+", raw or "") if p) - {""}


@lru_cache(maxsize=1 << 16)
def _dob_digits(day: date) -> str:
    return day.strftime("%Y%m%d")


def _family_level(a: str, b: str, raw_a: str, raw_b: str) -> str:
    if a and a == b:
        return "exact"
    # Double-barrelled or changed surnames: one shared part counts as a near match.
    if _surname_parts(raw_a) & _surname_parts(raw_b):
        return "typo"
    sim = _similarity(a, b)
    return "typo" if sim >= 0.92 else "similar" if sim >= 0.84 else "differ"


def _dob_level(a: date | None, b: date | None) -> str:
    if a is None or b is None:
        return "missing"
    if a == b:
        return "exact"
    if a.year == b.year and a.month == b.day and a.day == b.month:
        return "near"  # day and month swapped
    if sum(x != y for x, y in zip(_dob_digits(a), _dob_digits(b))) == 1:
        return "near"  # one digit mistyped
    return "differ"


def _postcode_level(a: str | None, b: str | None) -> str:
    if not a or not b:
        return "missing"
    if a == b:
        return "exact"
    return "district" if _district(a) == _district(b) else "differ"


@dataclass
class _Scored:
    row: object
    score: float
    levels: dict
    swapped: bool
    raw_given: str
    raw_family: str

    @cached_property
    def reasons(self) -> list[str]:
        """Why, in words, for the few candidates shown (not for every candidate scored)."""
        reasons = []
        if getattr(self.row, "previous_name", False):
            reasons.append(f"matches a previous name ({self.row.given_name} {self.row.family_name})")
        if self.swapped:
            reasons.append("first and last names swapped")
        names = {"given": (self.raw_given, self.row.given_name), "family": (self.raw_family, self.row.family_name)}
        for key in ("given", "family", "dob", "postcode"):
            a, b = names.get(key, ("", ""))
            reasons.append(_REASON[key][self.levels[key]].format(a=a, b=b))
        if self.levels.get("sex") == "conflict":
            reasons.append("recorded sex differs")
        return reasons


_REASON = {
    "given": {"exact": "same first name", "nickname": "first name is a short form ({a}/{b})",
              "typo": "first name spelt differently ({a}/{b})", "similar": "first name similar ({a}/{b})",
              "differ": "different first name ({a}/{b})"},
    "family": {"exact": "same last name", "typo": "last name spelt differently ({a}/{b})",
               "similar": "last name similar ({a}/{b})", "differ": "different last name ({a}/{b})"},
    "dob": {"exact": "same date of birth", "near": "date of birth differs by one digit or day/month swapped",
            "missing": "date of birth not known on one side", "differ": "different date of birth"},
    "postcode": {"exact": "same postcode", "district": "same postcode area", "missing": "postcode not known on one side",
                 "differ": "different postcode (moved?)"},
}


def _score(s: SubmittedPerson, s_norm: dict, row) -> _Scored:
    """The candidate's levels and score, under the straight reading of the names or with first
    and last names swapped, whichever fits better."""
    sexes = {s.sex, row.sex} - {None, "", "unknown", "other"}
    conflict = len(sexes) == 2
    dob = _dob_level(s.date_of_birth, row.date_of_birth)  # the same under either reading
    postcode = _postcode_level(s_norm["postcode"], row.postcode_norm)
    best = None
    for swapped in (False, True):
        given_s, family_s = (s_norm["family"], s_norm["given"]) if swapped else (s_norm["given"], s_norm["family"])
        raw_given, raw_family = (s.family_name, s.given_name) if swapped else (s.given_name, s.family_name)
        levels = {
            "given": _given_level(given_s, row.given_name_norm),
            "family": _family_level(family_s, row.family_name_norm, raw_family, row.family_name),
            "dob": dob,
            "postcode": postcode,
        }
        score = W_GIVEN[levels["given"]] + W_FAMILY[levels["family"]] + W_DOB[dob] + W_POSTCODE[postcode]
        if swapped:
            score -= 0.5  # prefer the straight reading when both fit equally
        if conflict:
            score += W_SEX_CONFLICT
            levels["sex"] = "conflict"
        if best is None or score > best.score:
            best = _Scored(row, score, levels, swapped, raw_given, raw_family)
        if not swapped and levels["given"] == levels["family"] == "exact":
            break  # both names exact: the swapped reading can only score less
    return best


_BEST_NAMES = W_GIVEN["exact"] + W_FAMILY["exact"]


def _could_be_worth_review(s: SubmittedPerson, s_norm: dict, row) -> bool:
    """Whether the candidate could reach REVIEW_SCORE even with both names exact: the cheap
    axes first, so the names (nicknames, Jaro-Winkler, both readings) are compared only for
    candidates that could matter. One born on another day (not one digit or a day/month swap
    away) cannot: the sound-alike block offers everyone born within about a year, most of the
    several hundred candidates a common name has in a county of 1,000,000, and none of them
    was ever offered. The result of match_person is the same; it is reached sooner."""
    bound = (_BEST_NAMES + W_DOB[_dob_level(s.date_of_birth, row.date_of_birth)]
             + W_POSTCODE[_postcode_level(s_norm["postcode"], row.postcode_norm)])
    return bound >= REVIEW_SCORE


def auto_linkable(levels: dict, score: float, name_held: bool = False) -> bool:
    """Strong on every axis: the only evidence on which a record is linked without a person
    looking. Shared with the bulk linker (caseflow.imports.linking), whose comparison levels are
    these same levels. `name_held`: the submitted first name is itself held by at least
    NAME_HELD_BY people (see `near_name_is_doubt`)."""
    # A recorded sex that differs is doubt (Ali or Alice, the twin we do not hold): a person looks.
    return (score >= AUTO_LINK_SCORE and levels["dob"] == "exact" and levels.get("sex") != "conflict"
            and levels["postcode"] in ("exact", "district")
            and levels["given"] in ("exact", "nickname", "typo") and levels["family"] in ("exact", "typo")
            and not near_name_is_doubt(levels, name_held))


def near_name_is_doubt(levels: dict, name_held: bool) -> bool:
    """A first name that only nearly agrees (a nickname or a typo) is doubt when the submitted
    name is a name in its own right, held by other people: Sophie and Sophia, or Alfie and
    Alfred, born the same day in the same household are likelier twins (one of them not held)
    than one child typed twice. A true typo ("Sopihe") is held by nobody and still links."""
    return name_held and levels["given"] in ("nickname", "typo")


def is_near_double(levels: dict | None) -> bool:
    """A second candidate who agrees with the submitted person on every point, the first name
    at least nearly (a nickname or a typo) and the date of birth at least nearly (one digit, or
    day and month swapped): twins with near names (Bill could be William or Bilal), or a
    namesake sibling born a day apart. Whatever the scores, the record could be about either,
    so a person looks. (Seen at 1,000,000 rows: the only two wrong links the scores allowed.)"""
    return bool(levels) and (
        levels["dob"] in ("exact", "near") and levels["postcode"] in ("exact", "district")
        and levels["given"] in ("exact", "nickname", "typo") and levels["family"] in ("exact", "typo")
        and levels.get("sex") != "conflict")


def decide(levels: dict, score: float, runner_up: float | None = None, conflicting_id: bool = False,
           name_held: bool = False, runner_up_levels: dict | None = None) -> MatchStatus:
    """The three outcomes, from the best candidate's levels and score (log2 odds, before the
    prior) and the next best candidate's score and levels: linked only when the best is
    auto-linkable, clearly ahead and has no near double; needs review while any candidate is
    worth an officer's time; otherwise new. The front door (match_person) and the bulk linker
    both decide here. `name_held`: the submitted first name is held by at least NAME_HELD_BY
    people."""
    if score < REVIEW_SCORE:
        return MatchStatus.NEW
    close_second = runner_up is not None and runner_up >= score - CLEAR_WINNER_MARGIN
    if auto_linkable(levels, score, name_held) and not close_second and not conflicting_id \
            and not is_near_double(runner_up_levels):
        return MatchStatus.LINKED
    return MatchStatus.NEEDS_REVIEW


def name_held(session, given_norm: str) -> bool:
    """Whether at least NAME_HELD_BY people (not merged away) are held under this first name:
    an indexed look-up that stops at the threshold."""
    if not given_norm:
        return False
    held = select(Person.id).where(Person.given_name_norm == given_norm, _LIVE).limit(NAME_HELD_BY).subquery()
    return session.scalar(select(func.count()).select_from(held)) >= NAME_HELD_BY


# --- finding candidates (indexed look-ups only) ---------------------------------------------------

_COLUMNS = (Person.id, Person.given_name, Person.family_name, Person.given_name_norm,
            Person.family_name_norm, Person.date_of_birth, Person.postcode_norm, Person.sex,
            Person.nhs_number, Person.upn, false().label("previous_name"))
# The same columns with a previous name in place of the current one: a corrected or changed
# name is still found (a mother who remarried, a surname mistyped at the front door).
_PREVIOUS_NAME_COLUMNS = (Person.id, PersonName.given_name, PersonName.family_name, PersonName.given_name_norm,
                          PersonName.family_name_norm, Person.date_of_birth, Person.postcode_norm, Person.sex,
                          Person.nhs_number, Person.upn, true().label("previous_name"))
# A record merged into another is never a candidate: its survivor is.
_LIVE = Person.merged_into_id.is_(None)


def _previous_names():
    return select(*_PREVIOUS_NAME_COLUMNS).join(Person, Person.id == PersonName.person_id).where(_LIVE)


def _blocks(s: SubmittedPerson, s_norm: dict):
    """The look-up for candidates, and its parameters: people sharing the date of birth (or
    its day/month swap), a sound-alike name born within about a year, the same name when no
    date is given, or the same postcode."""
    params: dict = {}
    dob = s.date_of_birth
    keys = []
    if dob is not None:
        params["dobs"] = [dob] + ([date(dob.year, dob.day, dob.month)] if dob.day <= 12 and dob.day != dob.month else [])
        keys = [k for k in {phonetic(s.family_name), phonetic(s.given_name)} if k]
        if keys:
            params.update(keys=keys, dob_from=dob - timedelta(days=400), dob_to=dob + timedelta(days=400))
    else:
        params.update(given=s_norm["given"], family=s_norm["family"])
    if s_norm["postcode"]:
        params["postcode"] = s_norm["postcode"]
    return _block_statement(dob is not None, bool(keys), bool(s_norm["postcode"])), params


@lru_cache(maxsize=None)
def _block_statement(by_dob: bool, by_sound: bool, by_postcode: bool):
    """Built once per shape, with bound parameters: building a union of selects for every
    person matched cost more than running it (a burst of partner events matches thousands)."""
    from sqlalchemy import bindparam

    statements = []
    if by_dob:
        dobs = Person.date_of_birth.in_(bindparam("dobs", expanding=True))
        statements.append(select(*_COLUMNS).where(dobs, _LIVE).limit(BLOCK_LIMIT))
        statements.append(_previous_names().where(dobs).limit(BLOCK_LIMIT))
        if by_sound:
            near = Person.date_of_birth.between(bindparam("dob_from"), bindparam("dob_to"))
            statements.append(select(*_COLUMNS).where(
                Person.name_phonetic.in_(bindparam("keys", expanding=True)), near, _LIVE).limit(BLOCK_LIMIT))
            statements.append(_previous_names().where(
                PersonName.name_phonetic.in_(bindparam("keys", expanding=True)), near).limit(BLOCK_LIMIT))
    else:
        given, family = bindparam("given"), bindparam("family")
        for names, base in ((Person, select(*_COLUMNS).where(_LIVE)), (PersonName, _previous_names())):
            statements.append(base.where(or_(
                and_(names.family_name_norm == family, names.given_name_norm == given),
                and_(names.family_name_norm == given, names.given_name_norm == family),
            )).limit(BLOCK_LIMIT))
    if by_postcode:
        statements.append(select(*_COLUMNS).where(Person.postcode_norm == bindparam("postcode"), _LIVE)
                          .limit(BLOCK_LIMIT))
    # One round trip: the blocks are unioned in the database (duplicates removed there).
    return union(*[st.subquery().select() for st in statements]) if len(statements) > 1 else statements[0]


def _families_of(session, person_ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {pid: [] for pid in person_ids}
    if not person_ids:
        return out
    # Their households now first (someone who moved on is found where they live); a family
    # record merged into another is never offered (its survivor holds the person).
    rows = session.execute(select(FamilyMember.person_id, FamilyMember.family_id)
                           .join(Family, Family.id == FamilyMember.family_id)
                           .where(FamilyMember.person_id.in_(person_ids), Family.merged_into_id.is_(None))
                           .order_by(FamilyMember.left_on.is_not(None), FamilyMember.created_at)).all()
    for pid, fid in rows:
        out[pid].append(fid)
    return out


def _candidate(scored: _Scored, families: dict[str, list[str]]) -> Candidate:
    return Candidate(scored.row.id, families.get(scored.row.id, []),
                     max(0.0, min(1.0, scored.score / MAX_SCORE)), scored.reasons)


def match_person(session, submitted: SubmittedPerson, *, families_when_linked: bool = True) -> PersonMatch:
    """`families_when_linked=False`: a caller that looks up families itself (routing a batch of
    events does, in one query for the batch) skips that query for a confident link."""
    s_norm = {"given": normalise_name(submitted.given_name), "family": normalise_name(submitted.family_name),
              "postcode": normalise_postcode(submitted.postcode)}

    by_identifier = _identifier_match(session, submitted, s_norm)
    if by_identifier is not None:
        return by_identifier

    statement, params = _blocks(submitted, s_norm)
    rows = session.execute(statement, params).all()
    scored = _best_per_person(_score(submitted, s_norm, r) for r in rows
                              if _could_be_worth_review(submitted, s_norm, r))
    scored = [x for x in scored if x.score >= REVIEW_SCORE]
    if not scored:
        return PersonMatch(MatchStatus.NEW)
    best = scored[0]
    conflicting_id = bool(submitted.nhs_number and best.row.nhs_number
                          and submitted.nhs_number != best.row.nhs_number)
    shown = scored[:MAX_CANDIDATES_SHOWN]
    runner_up = scored[1].score if len(scored) > 1 else None
    # Only a near first name on an otherwise linkable candidate needs the look-up.
    held = near_name_is_doubt(best.levels, True) and auto_linkable(best.levels, best.score) \
        and name_held(session, s_norm["given"])
    linked = decide(best.levels, best.score, runner_up, conflicting_id, held,
                    scored[1].levels if len(scored) > 1 else None) == MatchStatus.LINKED
    families = _families_of(session, [x.row.id for x in shown]) if families_when_linked or not linked else {}
    candidates = [_candidate(x, families) for x in shown]
    if conflicting_id:
        candidates[0].reasons.insert(0, "different NHS number recorded: check carefully")
    if linked:
        return PersonMatch(MatchStatus.LINKED, best.row.id, candidates[0].score, candidates[:1])
    return PersonMatch(MatchStatus.NEEDS_REVIEW, None, candidates[0].score, candidates)


def _best_per_person(scored) -> list[_Scored]:
    """Best first, one entry per person: someone found under their current and a previous name
    is one candidate, scored by the better reading."""
    best: dict[str, _Scored] = {}
    for x in scored:
        if x.row.id not in best or x.score > best[x.row.id].score:
            best[x.row.id] = x
    return sorted(best.values(), key=lambda x: -x.score)


def _identifier_match(session, s: SubmittedPerson, s_norm: dict) -> PersonMatch | None:
    clauses = []
    if s.nhs_number:
        clauses.append(Person.nhs_number == s.nhs_number)
    if s.upn:
        clauses.append(Person.upn == s.upn)
    if not clauses:
        return None
    rows = session.execute(select(*_COLUMNS).where(or_(*clauses), _LIVE).limit(5)).all()
    if not rows:
        return None
    scored = sorted((_score(s, s_norm, r) for r in rows), key=lambda x: -x.score)
    families = _families_of(session, [x.row.id for x in scored])
    candidates = [_candidate(x, families) for x in scored]
    for c in candidates:
        c.reasons.insert(0, "same NHS number or pupil number")
    best = scored[0]
    # An identifier is strong evidence, but a typo in it can point at a stranger: the name or
    # the date of birth must also agree before we link without a person looking.
    plausible = best.levels["dob"] == "exact" or (
        best.levels["given"] != "differ" and best.levels["family"] != "differ")
    if len(rows) == 1 and plausible:
        candidates[0].score = 1.0
        return PersonMatch(MatchStatus.LINKED, best.row.id, 1.0, candidates)
    return PersonMatch(MatchStatus.NEEDS_REVIEW, None, candidates[0].score, candidates)


def similar_people(session, person: Person, limit: int = MAX_CANDIDATES_SHOWN) -> list[Candidate]:
    """Other people already held whom the matcher would offer for review (or link) if `person`
    were named on a new request: the likely duplicates of a record (the potential-duplicates
    scan asks this of everyone). Same blocking, weights and threshold as `match_person`."""
    submitted = SubmittedPerson(person.given_name, person.family_name, person.date_of_birth, person.sex,
                                person.postcode)
    s_norm = {"given": normalise_name(submitted.given_name), "family": normalise_name(submitted.family_name),
              "postcode": normalise_postcode(submitted.postcode)}
    statement, params = _blocks(submitted, s_norm)
    rows = [r for r in session.execute(statement, params).all() if r.id != person.id]
    if person.nhs_number or person.upn:  # the same identifier on two records is a duplicate whatever the names
        clauses = [c for c in (Person.nhs_number == person.nhs_number if person.nhs_number else None,
                               Person.upn == person.upn if person.upn else None) if c is not None]
        rows += [r for r in session.execute(select(*_COLUMNS).where(or_(*clauses), _LIVE, Person.id != person.id)
                                            .limit(5)).all()]
    scored = _best_per_person(_score(submitted, s_norm, r) for r in rows)
    shared_id = {r.id for r in rows if (person.nhs_number and r.nhs_number == person.nhs_number)
                 or (person.upn and r.upn == person.upn)}
    scored = [x for x in scored if x.score >= REVIEW_SCORE or x.row.id in shared_id][:limit]
    families = _families_of(session, [x.row.id for x in scored])
    out = [_candidate(x, families) for x in scored]
    for c in out:
        if c.person_id in shared_id:
            c.reasons.insert(0, "same NHS number or pupil number")
    return out
