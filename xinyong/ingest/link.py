"""Linking rows to subjects: by USCC or resident ID; unseen codes create subjects; a code with
another name, or a name with another code, opens a code-conflict case instead of a silent
merge or overwrite."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from xinyong.catalog.schema import CatalogItem, FieldType
from xinyong.clock import utcnow
from xinyong.db.bulk import among, insert_frame
from xinyong.identifiers.check import guess_kind
from xinyong.identifiers.uscc import KIND_BY_CATEGORY, OTHER_ORGANIZATION, subject_kind_of_uscc
from xinyong.ingest.models import CodeConflict
from xinyong.ingest.subject_profile import profile_fields, remember_profiles
from xinyong.privacy.ids import get_protector
from xinyong.records.store import IDENTITY, SUBJECT_ID
from xinyong.subjects.models import Subject, SubjectName
from xinyong.subjects.service import NATURAL_PERSON, person_columns

LOOKUP_CHUNK = 20000
_KNOWN_ORGS: dict[str, Any] = {"code": pl.String, "sid": pl.Int64, "stored": pl.String}
_ORG, _PERSON = "_org_code", "_person_code"
LINK_ERROR = "_link_error"
_LINKABLE = "_linkable"


def name_key(name: str) -> str:
    """Names compare equal regardless of full-width brackets and spaces."""
    return "".join(unicodedata.normalize("NFKC", name).split())


def name_key_expr(name: pl.Expr) -> pl.Expr:
    """``name_key`` over a column (the same whitespace as ``str.split()``)."""
    return name.str.normalize("NFKC").str.replace_all(r"[\s\x1c-\x1f]+", "")


@dataclass
class LinkStats:
    new_subjects: int = 0
    conflicts: int = 0
    conflict_cases: list[tuple[str, str, str]] = field(default_factory=list)


def _subject_codes(item: CatalogItem) -> list[pl.Expr]:
    """Per row: the organization code and the person ID that identify the subject."""
    mapping = item.subject
    org = pl.col(mapping.uscc) if mapping.uscc else pl.lit(None, dtype=pl.String)
    person = pl.col(mapping.resident_id) if mapping.resident_id else pl.lit(None, dtype=pl.String)
    if mapping.uscc and item.field(mapping.uscc).type is FieldType.subject_code:
        kind = org.map_elements(guess_kind, return_dtype=pl.String)
        org = pl.when(kind == "uscc").then(org)
        person = pl.when(kind == "resident_id").then(person)
    if mapping.category:
        is_person = pl.col(mapping.category) == "自然人"
        org = pl.when(is_person).then(None).otherwise(org)
        person = pl.when(is_person).then(person).otherwise(None)
    return [org.alias(_ORG), person.alias(_PERSON)]


def _timestamps(now: datetime) -> list[pl.Expr]:
    return [
        pl.lit(now, dtype=pl.Datetime("us")).alias("created_at"),
        pl.lit(now, dtype=pl.Datetime("us")).alias("updated_at"),
    ]


def _chunks(values: list[str]) -> list[list[str]]:
    return [values[i : i + LOOKUP_CHUNK] for i in range(0, len(values), LOOKUP_CHUNK)]


def _lookup(session: Session, column: Any, values: list[str]) -> dict[str, tuple[int, str]]:
    """Subjects whose ``column`` (USCC or person hash) is among ``values``: key -> (id, name)."""
    found: dict[str, tuple[int, str]] = {}
    for chunk in _chunks(values):
        rows = session.execute(
            select(column, Subject.id, Subject.name).where(among(session, column, chunk))
        ).all()
        found.update({str(key): (sid, name) for key, sid, name in rows})
    return found


class Linker:
    """Resolves subjects for one batch; remembers what it created and the cases it opened."""

    def __init__(
        self, session: Session, item: CatalogItem, batch_id: int | None, department_id: int | None
    ) -> None:
        self.session = session
        self.item = item
        self.batch_id = batch_id
        self.department_id = department_id
        self.stats = LinkStats()
        self._open_cases: set[tuple[str, str, str]] = set()
        # Organizations resolved earlier in this batch (code, subject id, stored name), and
        # the keyed hash of each resident ID seen.
        self._orgs = pl.DataFrame(schema=_KNOWN_ORGS)
        self._digests: dict[str, str] = {}

    # -- organizations ----------------------------------------------------------------------
    def _existing_orgs(self, codes: list[str]) -> dict[str, tuple[int, str]]:
        return _lookup(self.session, Subject.uscc, codes)

    def _create_orgs(self, names: dict[str, str]) -> dict[str, tuple[int, str]]:
        now = utcnow()
        codes = list(names)
        frame = pl.DataFrame(
            {
                "kind": [subject_kind_of_uscc(c) for c in codes],
                "uscc": codes,
                "name": [names[c] for c in codes],
                "region": [c[2:8] for c in codes],
            }
        ).with_columns(_timestamps(now))
        insert_frame(self.session, Subject.__tablename__, frame)
        created = self._existing_orgs(codes)
        self._remember_names({sid: name for sid, name in created.values()}, now)
        self.stats.new_subjects += len(created)
        return created

    def _remember_names(self, names: dict[int, str], now: datetime) -> None:
        frame = pl.DataFrame(
            {"subject_id": list(names), "name": list(names.values())},
            schema={"subject_id": pl.Int64, "name": pl.String},
        ).with_columns(
            pl.lit(now, dtype=pl.Datetime("us")).alias("first_seen"),
            pl.lit(now, dtype=pl.Datetime("us")).alias("last_seen"),
            pl.lit(f"batch:{self.batch_id}").alias("source"),
        )
        insert_frame(self.session, SubjectName.__tablename__, frame)

    def _open(
        self,
        kind: str,
        code: str,
        name: str,
        other_code: str | None,
        other_name: str | None,
        subject_id: int | None,
    ) -> None:
        key = (kind, code, name_key(name))
        if key in self._open_cases:
            return
        self._open_cases.add(key)
        exists = self.session.execute(
            select(CodeConflict.id).where(
                CodeConflict.kind == kind,
                CodeConflict.code == code,
                CodeConflict.name == name,
                CodeConflict.status == "open",
            )
        ).first()
        if exists:
            return
        self.session.add(
            CodeConflict(
                kind=kind,
                code=code,
                name=name,
                other_code=other_code,
                other_name=other_name,
                subject_id=subject_id,
                batch_id=self.batch_id,
                department_id=self.department_id,
            )
        )
        self.stats.conflicts += 1

    def _names_with_other_codes(self, names: dict[str, str]) -> None:
        """New codes whose name already belongs to a subject with another code."""
        by_key = {name_key(n): (code, n) for code, n in names.items()}
        for chunk in _chunks(list({n for n in names.values()})):
            rows = self.session.execute(
                select(Subject.uscc, Subject.name, Subject.id).where(
                    among(self.session, Subject.name, chunk), Subject.uscc.is_not(None)
                )
            ).all()
            for other_code, other_name, sid in rows:
                code, name = by_key.get(name_key(other_name), (None, None))
                if code and name and other_code != code:
                    self._open("name_with_two_codes", code, name, other_code, other_name, sid)

    def _know_orgs(self, found: dict[str, tuple[int, str]]) -> None:
        if found:
            rows = [(code, sid, name) for code, (sid, name) in found.items()]
            known = pl.DataFrame(rows, schema=_KNOWN_ORGS, orient="row")
            self._orgs = pl.concat([self._orgs, known])

    def link_organizations(self, pairs: pl.DataFrame) -> pl.DataFrame:
        """pairs: distinct (_org_code, name) of the batch; returns (code, sid) for each code.

        Codes seen earlier in the batch are found in a frame by a join, so a chunk whose
        subjects are all known costs no query and no Python loop over its rows.
        """
        code_col, name_col = pairs.columns
        pairs = pairs.rename({code_col: "code", name_col: "name"})
        firsts = pairs.unique("code", keep="first", maintain_order=True)
        unseen = firsts.join(self._orgs, on="code", how="anti")["code"].to_list()
        if unseen:
            found = self._existing_orgs(unseen)
            missing = [c for c in unseen if c not in found]
            if missing:
                names = dict(firsts.filter(pl.col("code").is_in(missing)).iter_rows())
                self._names_with_other_codes(names)
                found.update(self._create_orgs(names))
            self._know_orgs(found)
        existing = firsts.join(self._orgs, on="code", how="left", maintain_order="left")
        differing = pairs.join(
            existing.select("code", "sid", "stored"), on="code", how="left"
        ).filter(pl.col("name") != pl.col("stored"))
        for code, name, sid, stored_name in differing.iter_rows():
            if name_key(name) != name_key(stored_name):
                self._open("code_with_two_names", code, name, None, stored_name, sid)
        self._same_name_two_codes(existing)
        return existing.select("code", "sid")

    def _same_name_two_codes(self, firsts: pl.DataFrame) -> None:
        """Within the chunk: one name (by name_key) arriving with several codes."""
        keyed = firsts.with_columns(name_key_expr(pl.col("name")).alias("key"))
        shared = keyed.filter(pl.col("key").is_duplicated())
        codes_of: dict[str, list[tuple[str, str, int]]] = {}
        for code, name, sid in shared.select("code", "name", "sid").iter_rows():
            codes_of.setdefault(name_key(name), []).append((code, name, sid))
        for entries in codes_of.values():
            first_code, first_name, _ = entries[0]
            for other, name, sid in entries[1:]:
                self._open("name_with_two_codes", other, name, first_code, first_name, sid)

    # -- natural persons --------------------------------------------------------------------
    def person_digests(self, codes: pl.Series) -> dict[str, str]:
        """Keyed hash of each distinct resident ID (remembered across the batch's chunks)."""
        protector = get_protector()
        for code in codes.drop_nulls().unique().to_list():
            if code not in self._digests:
                self._digests[code] = protector.lookup_hash(code)
        return self._digests

    def link_persons(self, pairs: pl.DataFrame) -> dict[str, tuple[int, str]]:
        """pairs: distinct (_person_code, name); returns ID -> (subject id, person hash)."""
        first_name: dict[str, str] = {}
        for code, name in pairs.iter_rows():
            first_name.setdefault(code, name)
        digests = self.person_digests(pairs[pairs.columns[0]])
        digest_of = {code: digests[code] for code in first_name}
        found = _lookup(self.session, Subject.person_hash, list(digest_of.values()))
        missing = [code for code, digest in digest_of.items() if digest not in found]
        if missing:
            self._create_persons(missing, first_name)
            found.update(
                _lookup(self.session, Subject.person_hash, [digest_of[c] for c in missing])
            )
        for code, name in pairs.iter_rows():
            sid, stored = found[digest_of[code]]
            if name_key(name) != name_key(stored):
                masked = f"person:{digest_of[code][:16]}"
                self._open("code_with_two_names", masked, name, None, stored, sid)
        return {code: (found[digest_of[code]][0], digest_of[code]) for code in first_name}

    def _create_persons(self, codes: list[str], names: dict[str, str]) -> None:
        now = utcnow()
        stored = [person_columns(code) for code in codes]
        frame = pl.DataFrame(
            {
                "kind": [NATURAL_PERSON] * len(codes),
                "name": [names[c] for c in codes],
                "region": [c[:6] for c in codes],
                "person_hash": [s["person_hash"] for s in stored],
                "person_id_enc": [s["person_id_enc"] for s in stored],
                "person_id_masked": [s["person_id_masked"] for s in stored],
            }
        ).with_columns(_timestamps(now))
        insert_frame(self.session, Subject.__tablename__, frame)
        created = _lookup(self.session, Subject.person_hash, [s["person_hash"] for s in stored])
        self._remember_names({sid: name for sid, name in created.values()}, now)
        self.stats.new_subjects += len(codes)

    # -- rows -------------------------------------------------------------------------------
    def identify(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Add the subject's codes, _identity and _link_error to every row of a clean frame.

        Needs no database: a row with a code and a name always gets its subject in
        ``resolve``, so whether a row links is known here already.
        """
        name_col = self.item.subject.name
        coded = frame.with_columns(_subject_codes(self.item))
        digests = self.person_digests(coded[_PERSON])
        person_key = pl.concat_str(
            [
                pl.lit("person:"),
                pl.col(_PERSON).replace_strict(digests, default=None, return_dtype=pl.String),
            ]
        )
        named = pl.col(name_col).is_not_null()
        linkable = named & (pl.col(_ORG).is_not_null() | pl.col(_PERSON).is_not_null())
        return coded.with_columns(
            pl.coalesce(pl.col(_ORG), person_key).alias(IDENTITY),
            linkable.alias(_LINKABLE),
        ).with_columns(self._kind_error().alias(LINK_ERROR))

    def subject_columns(self, frame: pl.DataFrame) -> list[str]:
        """The columns of an identified frame that ``resolve`` reads."""
        mapping = self.item.subject
        wanted = [_ORG, _PERSON, mapping.name, mapping.registration_number]
        wanted += profile_fields(self.item)
        return list(dict.fromkeys(c for c in wanted if c and c in frame.columns))

    def resolve(self, frame: pl.DataFrame) -> pl.Series:
        """Subject ids (found or created) for the rows of an identified frame, in order."""
        name_col = self.item.subject.name
        named = pl.col(name_col).is_not_null()
        orgs = frame.filter(pl.col(_ORG).is_not_null() & named)
        org_ids = self.link_organizations(orgs.select(_ORG, name_col).unique(maintain_order=True))
        people = frame.filter(pl.col(_ORG).is_null() & pl.col(_PERSON).is_not_null() & named)
        person_ids = self.link_persons(people.select(_PERSON, name_col).unique(maintain_order=True))
        person_sid = {code: sid for code, (sid, _) in person_ids.items()}
        self._remember_registration_numbers(orgs, org_ids)
        remember_profiles(self.session, self.item, orgs.rename({_ORG: "code"}), org_ids)
        with_orgs = frame.join(
            org_ids.rename({"code": _ORG, "sid": "_org_sid"}),
            on=_ORG,
            how="left",
            maintain_order="left",
        )
        return with_orgs.select(
            pl.coalesce(
                pl.col("_org_sid"),
                pl.col(_PERSON).replace_strict(person_sid, default=None, return_dtype=pl.Int64),
            ).alias(SUBJECT_ID)
        ).to_series()

    def link(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Add _subject_id and _identity (or _link_error) to every row of a clean frame."""
        identified = self.identify(frame)
        subject_ids = self.resolve(identified)
        return identified.with_columns(subject_ids)

    def _remember_registration_numbers(self, orgs: pl.DataFrame, org_ids: pl.DataFrame) -> None:
        """Keep the old business registration number (工商注册号) so it stays searchable."""
        column = self.item.subject.registration_number
        if not column or column not in orgs.columns:
            return
        pairs = orgs.filter(pl.col(column).is_not_null()).select(_ORG, column).unique(_ORG)
        known = pairs.join(org_ids.rename({"code": _ORG}), on=_ORG, how="inner")
        rows = [{"sid": sid, "reg": reg} for reg, sid in known.select(column, "sid").iter_rows()]
        if rows:
            table: Any = Subject.__table__
            self.session.execute(
                update(table)
                .where(table.c.id == bindparam("sid"), table.c.registration_number.is_(None))
                .values(registration_number=bindparam("reg")),
                rows,
            )

    def _kind_error(self) -> pl.Expr:
        allowed = {k.value for k in self.item.subject_kinds}
        org_kind = (
            pl.col(_ORG)
            .str.slice(0, 2)
            .replace_strict(KIND_BY_CATEGORY, default=OTHER_ORGANIZATION, return_dtype=pl.String)
        )
        rules: list[tuple[pl.Expr, pl.Expr]] = [
            (
                ~pl.col(_LINKABLE),
                pl.lit("无法确定信用主体：统一社会信用代码和身份证号码均未填写或无效"),
            ),
            (
                pl.col(_ORG).is_not_null() & ~org_kind.is_in(list(allowed)),
                pl.concat_str(
                    [pl.lit(f"目录项“{self.item.name}”不适用于此类主体（"), org_kind, pl.lit("）")]
                ),
            ),
        ]
        if NATURAL_PERSON not in allowed:
            rules.append(
                (
                    pl.col(_PERSON).is_not_null() & pl.col(_ORG).is_null(),
                    pl.lit(f"目录项“{self.item.name}”不适用于自然人"),
                )
            )
        error: pl.Expr = pl.lit(None, dtype=pl.String)
        for condition, message in reversed(rules):
            error = pl.when(condition).then(message).otherwise(error)
        return error
