"""Response models of the joint rewards and punishments routes (``routers/checks.py``):
matters and measures, bulk checks, joint tasks, feedback and their statistics. Each model
lists every key its view builds (FastAPI drops keys a model lacks); the examples document
the OpenAPI page."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

# A file download's OpenAPI content (a CSV here); the route answers it with a FileResponse.
CSV_DOWNLOAD = {"text/csv": {"schema": {"type": "string", "format": "binary"}}}


class MatterMeasureOut(BaseModel):
    code: str = Field(description="措施编码，见 GET /api/v1/measures")
    name: str
    kind: str = Field(description="punishment 惩戒、incentive 激励")


class MatterOut(BaseModel):
    code: str = Field(description="事项编码，核查时的 matter")
    name: str
    measures: list[MatterMeasureOut] = Field(description="本事项中应实施的奖惩措施")


class MattersOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "code": "GP",
                            "name": "政府采购",
                            "measures": [
                                {
                                    "code": "P01",
                                    "name": "限制参加政府采购活动",
                                    "kind": "punishment",
                                }
                            ],
                        }
                    ],
                    "total": 1,
                }
            ]
        }
    )

    items: list[MatterOut]
    total: int


class MeasureOut(BaseModel):
    code: str
    name: str
    kind: str = Field(description="punishment 惩戒、incentive 激励")
    category: str = Field(description="措施类别的中文名称")
    legal_basis: str | None = Field(description="法律依据：文件、条款与原文")
    departments: list[str] = Field(description="实施部门")
    triggers: list[str] = Field(description="触发本措施的名单类型")


class MeasuresOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "code": "P01",
                            "name": "限制参加政府采购活动",
                            "kind": "punishment",
                            "category": "由公共管理机构依法依规实施的"
                            "减损信用主体权益或增加其义务的措施",
                            "legal_basis": "《中华人民共和国政府采购法》第二十二条："
                            "“参加政府采购活动的供应商应当具备下列条件：……（五）"
                            "参加政府采购活动前三年内，在经营活动中没有重大违法记录”",
                            "departments": ["财政局"],
                            "triggers": ["black_list", "dishonest_judgment_debtor"],
                        }
                    ],
                    "total": 1,
                }
            ]
        }
    )

    items: list[MeasureOut]
    total: int


class BulkQueuedOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "job_id": "3b9e1f0c5a7d4e2b8c6f1a0d9e8b7c6a",
                    "status": "/api/v1/checks/bulk/3b9e1f0c5a7d4e2b8c6f1a0d9e8b7c6a",
                }
            ]
        }
    )

    job_id: str
    status: str = Field(description="GET 此地址查看进度")


class BulkStatusOut(BaseModel):
    """Keys absent from the job's status file are left out of the answer."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "3b9e1f0c5a7d4e2b8c6f1a0d9e8b7c6a",
                    "state": "done",
                    "done": 2400,
                    "total": 2400,
                    "department_id": 3,
                    "result": "result.csv",
                    "result_url": "/api/v1/checks/bulk/3b9e1f0c5a7d4e2b8c6f1a0d9e8b7c6a/result",
                }
            ]
        }
    )

    id: str = Field(description="任务编号")
    state: str = Field(description="queued 排队、running 核查中、done 完成、failed 失败")
    done: int = Field(description="已核查的主体数")
    total: int | None = Field(None, description="文件中的主体数（读取文件后才有）")
    department_id: int | None = Field(None, description="提交任务的部门")
    result: str | None = Field(None, description="完成时：结果文件名")
    error: str | None = Field(None, description="失败时：原因（中文）")
    result_url: str | None = Field(None, description="完成时：结果下载地址")


class JointTaskOut(BaseModel):
    id: int
    implementer: str = Field(description="实施部门")
    measure: str = Field(description="措施编码")
    due_date: date = Field(description="反馈期限")


class JointTasksOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "tasks": [
                        {
                            "id": 57,
                            "implementer": "财政局",
                            "measure": "P01",
                            "due_date": "2026-12-22",
                        }
                    ],
                    "total": 1,
                }
            ]
        }
    )

    tasks: list[JointTaskOut]
    total: int


class FeedbackOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": 31, "applied": True}]})

    id: int
    applied: bool = Field(description="措施是否已实施")


class JointDepartmentStatsOut(BaseModel):
    department: str
    checks: int = Field(description="核查次数")
    checks_with_hits: int = Field(description="有命中的核查次数")
    checks_with_feedback: int = Field(description="有命中且已反馈的核查次数")
    feedback_rate: float | None = Field(description="反馈率（无命中时为空）")
    open_tasks: int
    overdue_tasks: int
    done_tasks: int


class JointStatisticsOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "departments": [
                        {
                            "department": "财政局",
                            "checks": 120,
                            "checks_with_hits": 8,
                            "checks_with_feedback": 6,
                            "feedback_rate": 0.75,
                            "open_tasks": 2,
                            "overdue_tasks": 1,
                            "done_tasks": 5,
                        }
                    ],
                    "total": 1,
                }
            ]
        }
    )

    departments: list[JointDepartmentStatsOut]
    total: int
