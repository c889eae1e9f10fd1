"""Typed model of a catalog item, validated when the YAML files are loaded."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic import Field as PydanticField


class FieldType(StrEnum):
    text = "text"
    date = "date"
    decimal = "decimal"
    code = "code"  # one value from a code list
    code_set = "code_set"  # several values from a code list, separated by ; or ；
    uscc = "uscc"
    resident_id = "resident_id"
    subject_code = "subject_code"  # a USCC or a resident ID


class Openness(StrEnum):
    public = "public"  # 社会公开
    shared = "shared"  # 政务共享
    restricted = "restricted"  # 有条件共享 / 不予共享


class SubjectKind(StrEnum):
    enterprise = "enterprise"
    individual_business = "individual_business"
    farmer_cooperative = "farmer_cooperative"
    government_body = "government_body"
    public_institution = "public_institution"
    social_organization = "social_organization"
    collective_economic_org = "collective_economic_org"
    other_organization = "other_organization"
    natural_person = "natural_person"


ORGANIZATION_KINDS = tuple(k for k in SubjectKind if k is not SubjectKind.natural_person)


class Condition(BaseModel):
    """When a conditional (C) field is required: another field's value decides."""

    model_config = ConfigDict(extra="forbid")

    field: str
    in_: list[str] | None = PydanticField(default=None, alias="in")
    contains: str | None = None
    present: bool | None = None
    not_in: list[str] | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        tests = [self.in_, self.contains, self.present, self.not_in]
        if sum(t is not None for t in tests) != 1:
            raise ValueError("条件必须且只能给出 in、not_in、contains、present 之一")
        return self

    def holds(self, values: dict[str, object]) -> bool:
        value = values.get(self.field)
        if self.present is not None:
            return (value not in (None, "", [])) == self.present
        items = value if isinstance(value, list) else [value] if value not in (None, "") else []
        if self.contains is not None:
            return self.contains in items
        if self.in_ is not None:
            return any(v in self.in_ for v in items)
        assert self.not_in is not None
        return bool(items) and not any(v in self.not_in for v in items)


class Field(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = PydanticField(pattern=r"^[A-Z][A-Z0-9_]*$", examples=["CF_WSH"])
    header: str = PydanticField(examples=["行政处罚决定书文号"])
    aliases: list[str] = []
    type: FieldType = FieldType.text
    required: Literal["R", "C", "O"] = "O"
    when: Condition | None = None
    code_list: str | None = None
    unit: str | None = None
    # For an amount: the field that holds its currency (filled from "10(万美元)" when empty).
    currency_field: str | None = None
    max_length: int | None = None
    checked_when: Condition | None = None  # e.g. ID numbers checked only for 身份证
    consent: Literal["written"] | None = None
    law_basis: str | None = None
    description: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Field:
        if self.required == "C" and self.when is None:
            raise ValueError(f"字段 {self.code} 为条件必填（C），但未给出条件 when")
        if self.type in (FieldType.code, FieldType.code_set) and not self.code_list:
            raise ValueError(f"字段 {self.code} 的类型为代码集，但未指定 code_list")
        if self.currency_field and self.type is not FieldType.decimal:
            raise ValueError(f"字段 {self.code} 不是金额（decimal），不能指定币种字段")
        return self


class SubjectMapping(BaseModel):
    """Which fields name and identify the subject of a record."""

    model_config = ConfigDict(extra="forbid")

    name: str
    uscc: str | None = None
    resident_id: str | None = None
    category: str | None = None
    registration_number: str | None = None
    # Registration data builds the subject's profile (shown on its page): the fields that
    # hold its legal representative, address and founding date.
    legal_representative: str | None = None
    address: str | None = None
    founded: str | None = None


class Columns(BaseModel):
    """Which fields fill the record's typed common columns."""

    model_config = ConfigDict(extra="forbid")

    decision_date: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    publicity_end: str | None = None
    amount_wan: str | None = None  # amount in 10,000 yuan (万元)
    amount_yuan: str | None = None
    status: str | None = None
    penalty_categories: str | None = None
    penalty_content: str | None = None  # text checked against amount_wan
    source_department: str | None = None


class Publicity(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: Literal["always", "while_valid", "years", "penalty_tiers", "none"]
    years: int | None = None
    requires_publication: bool = False

    @model_validator(mode="after")
    def _years(self) -> Publicity:
        if (self.rule == "years") != (self.years is not None):
            raise ValueError("公示规则 years 必须且只能与 years: N 一起使用")
        return self


SharingReader = Literal["source_department", "credit_office", "auditor"]


class Sharing(BaseModel):
    """Who in government may read a restricted item (有条件共享): the department that is a
    record's source, the credit office's staff, auditors, and departments named by code."""

    model_config = ConfigDict(extra="forbid")

    readers: list[SharingReader]
    departments: list[str] = []
    basis: str


class CatalogItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = PydanticField(pattern=r"^[a-z][a-z0-9_]*$", examples=["admin_penalty"])
    catalog_number: str
    name: str
    category: str
    subject_kinds: list[SubjectKind]
    source_departments: list[str]
    openness: Openness
    publicity: Publicity
    legal_basis: str
    update_frequency: str
    description: str | None = None
    natural_key: list[str]
    subject: SubjectMapping
    columns: Columns = Columns()
    sharing: Sharing | None = None
    # More headers departments and public sources actually send, by field code (the court's
    # "做出执行依据单位", an open-data export's "注册资金"), beside each field's own aliases.
    header_aliases: dict[str, list[str]] = {}
    fields: list[Field]

    @model_validator(mode="after")
    def _sharing_rule(self) -> CatalogItem:
        restricted = self.openness is Openness.restricted
        if restricted and self.sharing is None:
            raise ValueError(f"目录项 {self.code} 为有条件共享，须给出共享规则 sharing")
        if not restricted and self.sharing is not None:
            raise ValueError(f"目录项 {self.code} 不是有条件共享，不应给出共享规则 sharing")
        return self

    def field(self, code: str) -> Field:
        for f in self.fields:
            if f.code == code:
                return f
        raise KeyError(code)

    @property
    def field_codes(self) -> list[str]:
        return [f.code for f in self.fields]

    @property
    def protected_fields(self) -> list[str]:
        """Fields holding personal ID numbers: encrypted at rest, masked in public."""
        return [f.code for f in self.fields if f.type is FieldType.resident_id]

    @property
    def is_public(self) -> bool:
        return self.openness is Openness.public and self.publicity.rule != "none"
