"""Bulk record linkage (issue 18, point 2): link every row of a partner file to the people
already held, with Splink on DuckDB (docs/bulk-linking.md: and on Spark beyond one machine).

The model is the front-door matcher's (caseflow.families.matching) at scale:
- the same normalised keys (names transliterated and folded, postcodes without spaces), and
  comparison levels that are the front door's levels: first name exact / nickname / typo /
  similar / different, last name exact / typo (or a shared part of a double-barrelled name) /
  similar / different, date of birth exact / near (day and month swapped, one digit mistyped) /
  different, postcode exact / same district / different, and a sex conflict;
- but the weight of each level (its m and u probabilities) is trained on the area's own data:
  u by random sampling of the loaded people against the file, m by expectation maximisation,
  starting from the front door's hand-set weights (and keeping them if the file is too small to
  train on);
- an identifier first, as at the front door: the same NHS number or UPN on exactly one person
  who also agrees on the date of birth or the names is a link;
- the decision for each row is `matching.decide`, the front door's: the best candidate's levels
  and score (the sum of its trained log2 Bayes factors, before the prior, on the front door's
  scale) and the next best's, against the shared thresholds. Linked, needs review (a person
  decides) or new.

Everything runs set-wise in DuckDB (a file on disk, so memory stays within `memory_limit`): rows
and people go in by the batch, decisions come out by the batch in line order.
"""
from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Iterator

import duckdb
import pyarrow as pa

from caseflow.families import matching
from caseflow.families.models import MatchStatus

log = logging.getLogger(__name__)

MAX_CANDIDATES = matching.MAX_CANDIDATES_SHOWN
MIN_TRAINING_ROWS = 1000  # fewer rows than this: keep the front door's weights (EM would chase noise)

COLUMNS = ("unique_id", "given", "family", "given_raw", "family_raw", "dob", "postcode", "sex", "nhs", "upn")
_SCHEMA = pa.schema([("unique_id", pa.string()), ("given", pa.string()), ("family", pa.string()),
                     ("given_raw", pa.string()), ("family_raw", pa.string()), ("dob", pa.date32()),
                     ("postcode", pa.string()), ("sex", pa.string()), ("nhs", pa.string()), ("upn", pa.string())])

# Comparison levels: (level name as the front door calls it, SQL over _l/_r columns). Order is
# Splink's: most specific first, the last is "everything else".
_JW = "jaro_winkler_similarity"
LEVELS = {
    "given": [("exact", "given{l} = given{r}"),
              ("nickname", "len(list_intersect(nick{l}, nick{r})) > 0"),
              ("typo", f"{_JW}(given{{l}}, given{{r}}) >= 0.92"),
              ("similar", f"{_JW}(given{{l}}, given{{r}}) >= 0.84"),
              ("differ", "ELSE")],
    "family": [("exact", "family{l} = family{r}"),
               ("typo", f"len(list_intersect(parts{{l}}, parts{{r}})) > 0 OR {_JW}(family{{l}}, family{{r}}) >= 0.92"),
               ("similar", f"{_JW}(family{{l}}, family{{r}}) >= 0.84"),
               ("differ", "ELSE")],
    "dob": [("exact", "dob_s{l} = dob_s{r}"),
            ("near", "dob_swap{l} = dob_s{r} OR hamming(dob_s{l}, dob_s{r}) = 1"),
            ("differ", "ELSE")],
    "postcode": [("exact", "postcode{l} = postcode{r}"),
                 ("district", "district{l} = district{r}"),
                 ("differ", "ELSE")],
    "sex": [("conflict", "sex{l} <> sex{r}"), ("same", "ELSE")],
}
_NULL = {"given": "given_l = '' OR given_r = '' OR given_l IS NULL OR given_r IS NULL",
         "family": "family_l = '' OR family_r = '' OR family_l IS NULL OR family_r IS NULL",
         "dob": "dob_s_l IS NULL OR dob_s_r IS NULL",
         "postcode": "postcode_l IS NULL OR postcode_r IS NULL",
         "sex": "sex_l IS NULL OR sex_r IS NULL"}
# Non-matches' share of each level (a starting point: training replaces them), from which the
# front door's weights give the matches' share: log2(m/u) is the front door's weight.
_START_U = {"given": {"exact": .005, "nickname": .002, "typo": .003, "similar": .01, "differ": .98},
            "family": {"exact": .002, "typo": .003, "similar": .01, "differ": .985},
            "dob": {"exact": .0002, "near": .002, "differ": .9978},
            "postcode": {"exact": .001, "district": .05, "differ": .949},
            "sex": {"conflict": .5, "same": .5}}
_FRONT_DOOR_WEIGHT = {"given": matching.W_GIVEN, "family": matching.W_FAMILY, "dob": matching.W_DOB,
                      "postcode": matching.W_POSTCODE,
                      "sex": {"conflict": matching.W_SEX_CONFLICT, "same": 0.0}}


def _comparison(name: str) -> dict:
    u = _START_U[name]
    m = {level: u[level] * 2 ** _FRONT_DOOR_WEIGHT[name][level] for level in u}
    total = sum(m.values())
    levels = [{"sql_condition": _NULL[name], "label_for_charts": "null", "is_null_level": True}]
    for level, condition in LEVELS[name]:
        levels.append({"sql_condition": condition.format(l="_l", r="_r"), "label_for_charts": level,
                       "m_probability": m[level] / total, "u_probability": u[level]})
    return {"output_column_name": name, "comparison_levels": levels,
            "comparison_description": f"{name}, at the front door's levels"}


def gamma_levels(name: str) -> dict[int, str]:
    """Splink's gamma value of each level: the first listed is highest, the last is 0."""
    names = [level for level, _ in LEVELS[name]]
    return {len(names) - 1 - i: level for i, level in enumerate(names)} | {-1: "missing"}


BLOCKING_RULES = [
    # The front door's look-ups, at scale: the date of birth with the first letter of either
    # name (a typo rarely changes the first letter of both), the day/month swap likewise, the
    # same names with the same year or the same day and month (a digit mistyped in the other
    # part; a date differing in both could never score high enough to review) or with no date,
    # the same postcode and first name. Each rule keeps the pairs per row small however many
    # people are held: a date of birth alone pairs a row with ~150 people at a million held.
    "l.dob_s = r.dob_s AND substr(l.family, 1, 1) = substr(r.family, 1, 1)",
    "l.dob_s = r.dob_s AND substr(l.given, 1, 1) = substr(r.given, 1, 1)",
    "l.dob_swap = r.dob_s AND substr(l.family, 1, 1) = substr(r.family, 1, 1)",
    "l.dob_swap = r.dob_s AND substr(l.given, 1, 1) = substr(r.given, 1, 1)",
    "l.family = r.family AND l.given = r.given AND substr(l.dob_s, 1, 4) = substr(r.dob_s, 1, 4)",
    "l.family = r.family AND l.given = r.given AND substr(l.dob_s, 5, 4) = substr(r.dob_s, 5, 4)",
    "l.family = r.family AND l.given = r.given AND (l.dob_s IS NULL OR r.dob_s IS NULL)",
    "l.postcode = r.postcode AND l.given = r.given",
]


# The SQL above is DuckDB's; Spark (docs/partner-feeds.md) names the same functions differently.
# Hamming distance 1 between two dates written as eight digits is Levenshtein distance 1.
SPARK_FUNCTIONS = {"jaro_winkler_similarity(": "jaro_winkler(", "len(list_intersect(": "size(array_intersect(",
                   "hamming(": "levenshtein("}


def _in_dialect(settings_dict: dict, dialect: str) -> dict:
    if dialect == "duckdb":
        return settings_dict
    for comparison in settings_dict["comparisons"]:
        for level in comparison["comparison_levels"]:
            for duck, spark in SPARK_FUNCTIONS.items():
                level["sql_condition"] = level["sql_condition"].replace(duck, spark)
    return settings_dict


def settings(prior: float, dialect: str = "duckdb") -> dict:
    """The Splink settings: DuckDB's SQL, or Spark's (`dialect="spark"`) for an area or region
    that outgrows one machine (docs/partner-feeds.md)."""
    return _in_dialect({
        "link_type": "link_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": prior,
        "comparisons": [_comparison(name) for name in LEVELS],
        "blocking_rules_to_generate_predictions": [{"blocking_rule": rule} for rule in BLOCKING_RULES],
        "retain_matching_columns": True,  # the gamma (level) columns come with them
        "retain_intermediate_calculation_columns": True,
        "additional_columns_to_retain": [],
    }, dialect)


@dataclass
class RowDecision:
    line: int
    status: MatchStatus
    person_id: str | None
    score: float | None
    candidates: list[dict] = field(default_factory=list)  # [{person_id, score, reasons}] best first
    row_key: str | None = None
    evidence: dict | None = None   # period_start, period_end, value, code, row_id
    identity: dict | None = None   # as the row gave it (postcode normalised)


@dataclass
class LinkReport:
    people: int = 0
    rows: int = 0
    pairs: int = 0
    trained: bool = False
    by_identifier: int = 0


_REASONS = {key: {level: text.split(" ({")[0] for level, text in levels.items()}
            for key, levels in matching._REASON.items()}


def _reasons(levels: dict) -> list[str]:
    out = [_REASONS[key].get(levels[key], "") for key in ("given", "family", "dob", "postcode")]
    if levels.get("sex") == "conflict":
        out.append("recorded sex differs")
    return [r for r in out if r]


class BulkLinker:
    """One linking run: load people and rows, link, read the decisions. Close it when done."""

    def __init__(self, workdir: str, memory_limit: str = "1GB", threads: int = 2):
        self.path = os.path.join(workdir, "linking.duckdb")
        self.con = duckdb.connect(self.path)
        self._sql(f"SET memory_limit = '{memory_limit}'")
        self._sql(f"SET threads = {int(threads)}")
        self._sql(f"SET temp_directory = '{os.path.join(workdir, 'spill')}'")
        self._sql("SET preserve_insertion_order = false")
        for table in ("people_in", "rows_in"):
            self._sql(f"CREATE TABLE {table} (unique_id VARCHAR, given VARCHAR, family VARCHAR, "
                             "given_raw VARCHAR, family_raw VARCHAR, dob DATE, postcode VARCHAR, sex VARCHAR, "
                             "nhs VARCHAR, upn VARCHAR)")
        nick = [(name, group) for name, groups in matching._nickname_groups().items() for group in groups]
        self._sql("CREATE TABLE payload (line BIGINT, row_key VARCHAR, period_start DATE, period_end DATE, "
                  "value DOUBLE, code VARCHAR, row_id VARCHAR)")
        self._sql("CREATE TABLE nick (name VARCHAR, grp INTEGER)")
        self.con.register("nick_arrow", pa.table({"name": [n for n, _ in nick], "grp": [g for _, g in nick]}))
        self._sql("INSERT INTO nick SELECT * FROM nick_arrow")
        self.con.unregister("nick_arrow")
        self.report = LinkReport()

    def _sql(self, sql: str):
        """Run a statement to completion (DuckDB keeps a statement open until its result is read)."""
        return self.con.execute(sql).fetchall()

    def close(self) -> None:
        self.con.close()
        for suffix in ("", ".wal"):
            if os.path.exists(self.path + suffix):
                os.unlink(self.path + suffix)

    # --- loading ----------------------------------------------------------------------------

    def add_people(self, rows: Iterable[tuple]) -> None:
        """(id, given_name, family_name, given_name_norm, family_name_norm, date_of_birth,
        postcode_norm, sex, nhs_number, upn) as held (their keys were normalised when saved)."""
        self._insert("people_in", [(pid, gn, fn, g, f, dob, pc, _sex(sex), nhs, upn)
                                   for pid, g, f, gn, fn, dob, pc, sex, nhs, upn in rows])

    def add_rows(self, rows: list[tuple]) -> None:
        """(line, identity dict, row key, evidence dict) of a feed file's good rows: the key and
        the evidence (period_start, period_end, value, code, row_id) come back with each row's
        decision."""
        if rows:
            self.con.register("payload_arrow", pa.table({
                "line": pa.array([r[0] for r in rows], pa.int64()), "row_key": [r[2] for r in rows],
                "period_start": pa.array([r[3]["period_start"] for r in rows], pa.date32()),
                "period_end": pa.array([r[3].get("period_end") for r in rows], pa.date32()),
                "value": pa.array([r[3].get("value") for r in rows], pa.float64()),
                "code": pa.array([r[3].get("code") for r in rows], pa.string()),
                "row_id": pa.array([r[3].get("row_id") for r in rows], pa.string())}))
            self._sql("INSERT INTO payload SELECT * FROM payload_arrow")
            self.con.unregister("payload_arrow")
        self._insert("rows_in", [(f"row-{line}", _name_key(i.get("given_name")), _name_key(i.get("family_name")),
                                  i.get("given_name"), i.get("family_name"), i.get("date_of_birth"),
                                  _postcode_key(i.get("postcode")), _sex(i.get("sex")),
                                  i.get("nhs_number"), i.get("upn"))
                                 for line, i, *_ in rows])

    def _insert(self, table: str, rows: list[tuple]) -> None:
        if not rows:
            return
        # Column by column (one list per column, not a dict per row): the people and rows of a
        # county's file are a million of each.
        columns = list(zip(*rows))
        batch = pa.Table.from_arrays([pa.array(values, type=column.type) for values, column in zip(columns, _SCHEMA)],
                                     schema=_SCHEMA)
        self.con.register("batch_arrow", batch)
        self._sql(f"INSERT INTO {table} SELECT * FROM batch_arrow")
        self.con.unregister("batch_arrow")

    def drop_repeats(self) -> list[tuple[int, int]]:
        """Rows whose key an earlier line of the file already had (the same row twice, or the
        same fact twice): (line, the first line), and they are not linked or written."""
        repeats = self._sql("""
            SELECT line, first_line FROM (
                SELECT line, min(line) OVER (PARTITION BY row_key) AS first_line FROM payload)
            WHERE line <> first_line ORDER BY line""")
        if repeats:
            self._sql("""
                DELETE FROM rows_in WHERE unique_id IN (
                    SELECT 'row-' || line FROM (
                        SELECT line, min(line) OVER (PARTITION BY row_key) AS first_line FROM payload)
                    WHERE line <> first_line)""")
        return [(int(a), int(b)) for a, b in repeats]

    # --- linking ----------------------------------------------------------------------------

    def _prepare(self) -> None:
        for source, target in (("people_in", "people"), ("rows_in", "feed_rows")):
            self._sql(f"""
                CREATE OR REPLACE TABLE {target} AS
                SELECT p.unique_id, p.given, p.family, p.given_raw, p.family_raw, p.postcode, p.sex, p.nhs, p.upn,
                       strftime(p.dob, '%Y%m%d') AS dob_s,
                       CASE WHEN day(p.dob) <= 12
                            THEN lpad(year(p.dob)::VARCHAR, 4, '0') || lpad(day(p.dob)::VARCHAR, 2, '0')
                                 || lpad(month(p.dob)::VARCHAR, 2, '0') END AS dob_swap,
                       CASE WHEN length(p.postcode) > 3 THEN p.postcode[1:length(p.postcode) - 3] END AS district,
                       coalesce((SELECT list(n.grp) FROM nick n WHERE n.name = p.given), []::INTEGER[]) AS nick,
                       list_filter(list_transform(regexp_split_to_array(lower(coalesce(p.family_raw, '')), '[\\s-]+'),
                                                  lambda x: regexp_replace(x, '[^a-z]', '', 'g')), lambda x: x <> '') AS parts
                FROM {source} p""")
        # First names held by enough people to be names in their own right (matching.name_held).
        self._sql(f"""CREATE OR REPLACE TABLE names_held AS SELECT given FROM people WHERE given <> ''
                      GROUP BY given HAVING count(*) >= {int(matching.NAME_HELD_BY)}""")
        self.report.people = self._sql("SELECT count(*) FROM people")[0][0]
        self.report.rows = self._sql("SELECT count(*) FROM feed_rows")[0][0]

    def link(self) -> LinkReport:
        from splink import DuckDBAPI, Linker

        self._prepare()
        self._link_by_identifier()
        if not self.report.people or not self.report.rows:
            self._sql("CREATE OR REPLACE TABLE pairs (line BIGINT, person_id VARCHAR, score DOUBLE, "
                             "given VARCHAR, family VARCHAR, dob VARCHAR, postcode VARCHAR, sex VARCHAR, "
                             "conflicting BOOLEAN)")
            return self.report
        api = DuckDBAPI(self.con)
        people = api.register("people", table_name="people_splink")
        rows = api.register("feed_rows", table_name="rows_splink")
        # Each row is about one person at most: the prior is one in the number of people.
        prior = 1.0 / max(self.report.people, 2)
        linker = Linker([people, rows], settings(prior), log_level=logging.WARNING)
        if self.report.rows >= MIN_TRAINING_ROWS:
            self._train(linker)
        predictions = linker.inference.predict()
        self._pairs(predictions.physical_name, prior)
        return self.report

    def _train(self, linker) -> None:
        """The area's own weights: u from random pairs, m by EM, blocked so each comparison is
        trained on pairs where it was not used to find them. A failure keeps the starting weights."""
        from splink import block_on

        try:
            linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=18)
            # Each session trains the comparisons it does not block on: the first names, last
            # names, postcodes and sex among people born the same day with the same first name,
            # then the first names, dates of birth and sex within a household (the same last name
            # and postcode: siblings are the non-matches). Both stay small at a million people,
            # where the date of birth alone would pair each row with ~150.
            linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob_s", "given"))
            linker.training.estimate_parameters_using_expectation_maximisation(block_on("family", "postcode"))
            self.report.trained = True
        except Exception as exc:  # Splink raises its own errors for data it cannot train on
            log.warning("bulk linking: training failed (%s); using the front door's weights", exc)

    def _pairs(self, predictions: str, prior: float) -> None:
        """Scored pairs, the row on one side and a person on the other, at the front door's
        scale: the sum of the levels' log2 Bayes factors (the match weight without the prior)."""
        prior_weight = math.log2(prior / (1 - prior))
        levels = {name: gamma_levels(name) for name in LEVELS}

        def level_sql(name, side_alias):
            cases = " ".join(f"WHEN {side_alias}.gamma_{name} = {g} THEN '{lv}'" for g, lv in levels[name].items())
            return f"CASE {cases} END"

        self._sql(f"""
            CREATE OR REPLACE TABLE pairs AS
            SELECT CAST(substr(CASE WHEN starts_with(p.unique_id_l, 'row-') THEN p.unique_id_l ELSE p.unique_id_r END, 5)
                            AS BIGINT) AS line,
                   CASE WHEN starts_with(p.unique_id_l, 'row-') THEN p.unique_id_r ELSE p.unique_id_l END AS person_id,
                   p.match_weight - ({prior_weight}) AS score,
                   {level_sql('given', 'p')} AS given, {level_sql('family', 'p')} AS family,
                   {level_sql('dob', 'p')} AS dob, {level_sql('postcode', 'p')} AS postcode,
                   {level_sql('sex', 'p')} AS sex,
                   false AS conflicting
            FROM {predictions} p
            WHERE p.match_weight - ({prior_weight}) >= {matching.REVIEW_SCORE}""")
        self._sql("""
            UPDATE pairs SET conflicting = true FROM feed_rows r, people q
            WHERE r.unique_id = 'row-' || pairs.line AND q.unique_id = pairs.person_id
              AND r.nhs IS NOT NULL AND q.nhs IS NOT NULL AND r.nhs <> q.nhs""")
        self.report.pairs = self._sql("SELECT count(*) FROM pairs")[0][0]

    def _link_by_identifier(self) -> None:
        """Rows carrying an NHS number or UPN that a person also has: the front door's identifier
        rule, set-wise. Linked when exactly one person has it and agrees on the date of birth or
        on both names (a typo in an identifier must not link a stranger); otherwise reviewed."""
        level = {name: "CASE " + " ".join(
            f"WHEN {cond.format(l='_r_', r='_p_')} THEN '{lv}'" if cond != "ELSE" else f"ELSE '{lv}'"
            for lv, cond in LEVELS[name]) + " END" for name in ("given", "family", "dob")}
        self._sql(f"""
            CREATE OR REPLACE TABLE id_pairs AS
            WITH joined AS (
                SELECT r.unique_id AS rid, q.unique_id AS person_id,
                       r.given AS given_r_, q.given AS given_p_, r.family AS family_r_, q.family AS family_p_,
                       r.nick AS nick_r_, q.nick AS nick_p_, r.parts AS parts_r_, q.parts AS parts_p_,
                       r.dob_s AS dob_s_r_, q.dob_s AS dob_s_p_, r.dob_swap AS dob_swap_r_
                FROM feed_rows r JOIN people q ON (r.nhs IS NOT NULL AND r.nhs = q.nhs) OR (r.upn IS NOT NULL AND r.upn = q.upn))
            SELECT CAST(substr(rid, 5) AS BIGINT) AS line, person_id,
                   {level['given']} AS given, {level['family']} AS family,
                   CASE WHEN dob_s_r_ IS NULL OR dob_s_p_ IS NULL THEN 'missing' ELSE {level['dob']} END AS dob,
                   count(*) OVER (PARTITION BY rid) AS holders
            FROM joined""")
        self.report.by_identifier = self._sql("SELECT count(DISTINCT line) FROM id_pairs")[0][0]

    # --- decisions --------------------------------------------------------------------------

    def decisions(self, batch: int = 10_000) -> Iterator[RowDecision]:
        """Every row's decision, in line order."""
        cursor = self.con.cursor()
        cursor.execute(f"""
            WITH ranked AS (
                SELECT *, row_number() OVER (PARTITION BY line ORDER BY score DESC, person_id) AS rank FROM pairs)
            SELECT r.line, i.person_id AS id_person, i.given AS id_given, i.family AS id_family, i.dob AS id_dob,
                   i.holders, k.person_id, k.score, k.given, k.family, k.dob, k.postcode, k.sex, k.conflicting, k.rank,
                   w.row_key, w.period_start, w.period_end, w.value, w.code, w.row_id,
                   r.given_raw, r.family_raw, r.dob, r.postcode, r.sex, r.nhs, r.upn,
                   h.given IS NOT NULL AS name_held
            FROM (SELECT CAST(substr(unique_id, 5) AS BIGINT) AS line, * FROM rows_in) r
            JOIN payload w ON w.line = r.line
            LEFT JOIN names_held h ON h.given = r.given
            LEFT JOIN id_pairs i ON i.line = r.line
            LEFT JOIN ranked k ON k.line = r.line AND k.rank <= {MAX_CANDIDATES} AND i.line IS NULL
            ORDER BY r.line, i.person_id, k.rank""")
        current, group = None, []
        while chunk := cursor.fetchmany(batch):
            for record in chunk:
                if current is not None and record[0] != current:
                    yield _decide(current, group)
                    group = []
                current = record[0]
                group.append(record)
        if current is not None:
            yield _decide(current, group)
        cursor.close()


def _decide(line: int, group: list[tuple]) -> RowDecision:
    decision = _decide_row(line, group)
    first = group[0]
    decision.row_key = first[15]
    decision.evidence = dict(zip(("period_start", "period_end", "value", "code", "row_id"), first[16:21]))
    decision.identity = dict(zip(("given_name", "family_name", "date_of_birth", "postcode", "sex", "nhs_number", "upn"),
                                 first[21:28]))
    return decision


def _decide_row(line: int, group: list[tuple]) -> RowDecision:
    first = group[0]
    if first[1] is not None:  # by identifier
        candidates = [{"person_id": g[1], "score": 1.0,
                       "reasons": ["same NHS number or pupil number",
                                   *_reasons({"given": g[2], "family": g[3], "dob": g[4], "postcode": "missing"})[:3]]}
                      for g in group]
        plausible = first[4] == "exact" or (first[2] != "differ" and first[3] != "differ")
        if first[5] == 1 and plausible:
            return RowDecision(line, MatchStatus.LINKED, first[1], 1.0, candidates)
        return RowDecision(line, MatchStatus.NEEDS_REVIEW, None, 1.0, candidates)
    scored = [g for g in group if g[6] is not None]
    if not scored:
        return RowDecision(line, MatchStatus.NEW, None, None, [])
    best = scored[0]
    levels = {"given": best[8], "family": best[9], "dob": best[10], "postcode": best[11], "sex": best[12]}
    runner_up, runner_up_levels = None, None
    if len(scored) > 1:
        second = scored[1]
        runner_up = second[7]
        runner_up_levels = {"given": second[8], "family": second[9], "dob": second[10], "postcode": second[11],
                            "sex": second[12]}
    status = matching.decide(levels, best[7], runner_up, bool(best[13]), bool(best[28]), runner_up_levels)
    if status == MatchStatus.LINKED:
        scored = scored[:1]  # a link keeps only the person linked: the others' reasons are not needed
    candidates = [{"person_id": g[6], "score": round(min(1.0, g[7] / (2 * matching.MAX_SCORE)), 3),
                   "reasons": _reasons({"given": g[8], "family": g[9], "dob": g[10], "postcode": g[11], "sex": g[12]})
                   + (["different NHS number recorded: check carefully"] if g[13] else [])}
                  for g in scored]
    if status == MatchStatus.LINKED:
        return RowDecision(line, status, best[6], best[7], candidates[:1])
    return RowDecision(line, status, None, best[7], candidates)


# The same names and postcodes recur thousands of times in a file: each is normalised once.
_name_key = lru_cache(maxsize=1 << 16)(matching.normalise_name)
_postcode_key = lru_cache(maxsize=1 << 16)(matching.normalise_postcode)


def _sex(value) -> str | None:
    value = (value or "").lower()
    return value if value in ("male", "female") else None
