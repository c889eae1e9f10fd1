"""Every action of the platform and who may do it: declared here and nowhere else.

An action names the staff roles and the API key scopes that may perform it, and whose data
it may touch: ``any`` (the whole platform), or ``own_department`` (a department's officer or
key acts only on the data its department is the source of; the credit office's staff and
keys act on every department's). ``public`` actions are open to everyone, anonymous callers
included. Command-line operators (``cli:``/``system`` actors) run every action: they already
hold the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Ownership = Literal["any", "own_department"]

STAFF_ROLES = frozenset({"admin", "data_officer", "reviewer", "auditor"})
# The auditor reads everything and changes nothing.
READER_ROLES = STAFF_ROLES
OFFICE_DECIDERS = frozenset({"admin", "reviewer"})
READ_SCOPES = frozenset({"read", "admin"})
ADMIN_SCOPES = frozenset({"admin"})
# Staff who issue reports at the counter (the auditor changes nothing, so issues none).
REPORT_ISSUERS = frozenset({"admin", "reviewer", "data_officer"})
LENDING_SCOPES = frozenset({"lending"})  # a bank's key (a consumer of kind bank)


@dataclass(frozen=True)
class Action:
    code: str
    label: str  # Chinese, used in refusals: "无权{label}"
    roles: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    public: bool = False
    ownership: Ownership = "any"
    writes: bool = False
    subjects: bool = False  # held by a subject signed in to its own pages (on its own data)


def _a(
    code: str,
    label: str,
    roles: frozenset[str] | set[str] = frozenset(),
    scopes: frozenset[str] | set[str] = frozenset(),
    *,
    public: bool = False,
    ownership: Ownership = "any",
    writes: bool = False,
    subjects: bool = False,
) -> Action:
    return Action(
        code,
        label,
        frozenset(roles),
        frozenset(scopes),
        public,
        ownership,
        writes=writes,
        subjects=subjects,
    )


_ACTIONS = (
    # -- open to everyone -------------------------------------------------------------------
    _a("public.read", "查看公开信息", public=True),
    _a("session.login", "登录", public=True),
    _a("objection.file", "提出异议", public=True, writes=True),
    _a("repair.apply", "申请信用修复", public=True, writes=True),
    # Anyone may have an organisation's report of public content; it is kept in the register.
    _a("report.public", "出具公开信用报告", public=True, writes=True),
    # -- government sharing view ------------------------------------------------------------
    _a("subject.read_shared", "查看政务共享信息", READER_ROLES, READ_SCOPES),
    _a("person.read", "查看自然人身份与信用记录", READER_ROLES, READ_SCOPES),
    _a("workbench.enter", "进入工作台", STAFF_ROLES),
    _a("quality.read", "查看数据质量", READER_ROLES, READ_SCOPES),
    _a("conflict.read", "查看重错码", READER_ROLES, READ_SCOPES),
    _a("joint.read", "查看联合奖惩任务与统计", READER_ROLES, READ_SCOPES),
    _a("publication.read", "查看双公示审核队列与统计", READER_ROLES, READ_SCOPES),
    _a("objection.read", "查看异议队列", {"admin", "reviewer", "auditor"}, READ_SCOPES),
    _a("repair.read", "查看修复申请队列", {"admin", "reviewer", "auditor"}, READ_SCOPES),
    _a("list.read_recognitions", "查看名单认定", {"admin", "reviewer", "auditor"}, READ_SCOPES),
    _a("audit.read", "查看审计日志", {"auditor"}),
    _a("evaluation.read", "查看信用评价得分、依据和等级变化", READER_ROLES, READ_SCOPES),
    _a("usage.read", "查看接口调用统计", {"admin", "auditor"}, ADMIN_SCOPES),
    _a("ops.metrics", "读取运行指标", {"admin", "auditor"}, ADMIN_SCOPES),
    _a("feed.read", "订阅数据共享变更", READER_ROLES, READ_SCOPES),
    _a("exchange.read", "查看上报交换包、回执和报送期限", READER_ROLES, READ_SCOPES),
    _a("integrity.read_arrears", "查看政府机构拖欠企业账款", READER_ROLES, READ_SCOPES),
    _a("report.read", "查看信用报告出具登记与统计", READER_ROLES, READ_SCOPES),
    # Issuing a report only adds it to the register (and the audit log); it changes no data.
    _a("report.issue", "出具政务版信用报告", REPORT_ISSUERS, READ_SCOPES, writes=True),
    _a("report.person", "向本人出具自然人信用报告", REPORT_ISSUERS, ADMIN_SCOPES, writes=True),
    _a("report.special", "出具专项信用报告", REPORT_ISSUERS, READ_SCOPES, writes=True),
    _a("warning.read", "查看信用预警", READER_ROLES, ADMIN_SCOPES),
    _a("trend.read", "查看信用趋势分析", READER_ROLES, ADMIN_SCOPES),
    _a("monitoring.read", "查看城市信用监测指标", READER_ROLES, ADMIN_SCOPES),
    # -- a department's own data --------------------------------------------------------------
    _a(
        "records.ingest",
        "报送数据",
        {"admin", "data_officer"},
        {"ingest", "admin"},
        ownership="own_department",
        writes=True,
    ),
    _a(
        "batch.read_rejected",
        "下载退回数据",
        {"admin", "data_officer", "auditor"},
        {"ingest", "admin"},
        ownership="own_department",
    ),
    _a(
        "publication.request",
        "申请公示",
        {"admin", "data_officer", "reviewer"},
        {"ingest", "admin"},
        ownership="own_department",
        writes=True,
    ),
    _a(
        "joint.feedback",
        "反馈措施实施情况",
        {"admin", "data_officer", "reviewer"},
        {"checks", "admin"},
        ownership="own_department",
        writes=True,
    ),
    _a(
        "conflict.resolve",
        "处理重错码",
        {"admin", "reviewer", "data_officer"},
        ADMIN_SCOPES,
        ownership="own_department",
        writes=True,
    ),
    _a(
        "warning.handle",
        "确认处理信用预警",
        {"admin", "reviewer", "data_officer"},
        ADMIN_SCOPES,
        ownership="own_department",
        writes=True,
    ),
    _a(
        "monitoring.followup",
        "跟进监测指标整改任务",
        {"admin", "reviewer", "data_officer"},
        ADMIN_SCOPES,
        ownership="own_department",
        writes=True,
    ),
    # A bank's 双查询 before lending is a credit check (matter LN) with its lending key.
    _a(
        "check.run",
        "信用核查",
        {"admin", "reviewer", "data_officer"},
        {"checks", "admin", "lending"},
    ),
    _a(
        "check.read_bulk",
        "查看批量核查结果",
        {"admin", "reviewer", "data_officer", "auditor"},
        {"checks", "admin"},
        ownership="own_department",
    ),
    _a(
        "exchange.read_queue",
        "查看被上级平台退回的数据",
        {"admin", "data_officer", "reviewer", "auditor"},
        {"ingest", "admin"},
        ownership="own_department",
    ),
    _a(
        "exchange.resubmit",
        "重新提交被上级平台退回的数据",
        {"admin", "data_officer", "reviewer"},
        {"ingest", "admin"},
        ownership="own_department",
        writes=True,
    ),
    # -- credit office decisions ---------------------------------------------------------------
    _a("publication.review", "审核公示", OFFICE_DECIDERS, ADMIN_SCOPES, writes=True),
    _a("publication.publish", "公示记录", OFFICE_DECIDERS, ADMIN_SCOPES, writes=True),
    _a("publication.withdraw", "撤下公示", OFFICE_DECIDERS, ADMIN_SCOPES, writes=True),
    _a("objection.decide", "处理异议", OFFICE_DECIDERS, ADMIN_SCOPES, writes=True),
    _a("repair.decide", "审核信用修复", OFFICE_DECIDERS, ADMIN_SCOPES, writes=True),
    _a("list.recognise", "认定红黑名单", OFFICE_DECIDERS, ADMIN_SCOPES, writes=True),
    _a("commitment.breach", "认定违背承诺", OFFICE_DECIDERS, ADMIN_SCOPES, writes=True),
    _a("evaluation.run", "开展信用评价", OFFICE_DECIDERS, ADMIN_SCOPES, writes=True),
    _a(
        "exchange.manage",
        "生成和发送上报交换包、导入回执",
        OFFICE_DECIDERS,
        ADMIN_SCOPES,
        writes=True,
    ),
    _a("report.revoke", "撤销信用报告", OFFICE_DECIDERS, ADMIN_SCOPES, writes=True),
    _a("monitoring.compute", "计算城市信用监测指标", OFFICE_DECIDERS, ADMIN_SCOPES, writes=True),
    # A recognising department's system pushes its list entries as tasks (scope checks).
    _a("joint.initiate", "发起联合奖惩", OFFICE_DECIDERS, {"checks", "admin"}, writes=True),
    _a("article.manage", "管理门户文章", {"admin"}, ADMIN_SCOPES, writes=True),
    _a("account.manage", "管理部门、账号与密钥", {"admin"}, ADMIN_SCOPES, writes=True),
    _a("access.apply", "申请接口接入", {"admin", "data_officer"}, ADMIN_SCOPES, writes=True),
    # -- a subject's own pages (an enterprise or a citizen signed in) ----------------------------
    _a("self.read", "查看本主体的信用信息和查询记录", subjects=True),
    _a("self.authorise", "授权或撤销金融机构查询", subjects=True, writes=True),
    _a("loan.apply", "申请贷款", subjects=True, writes=True),
    # -- lending: a bank's key -------------------------------------------------------------------
    _a("loan.publish", "发布贷款产品", scopes=LENDING_SCOPES, writes=True),
    _a("loan.read", "查看本机构收到的贷款申请", scopes=LENDING_SCOPES),
    _a("loan.respond", "受理、拒绝或反馈贷款申请", scopes=LENDING_SCOPES, writes=True),
    _a("authorised.read", "查询经主体授权的信用信息", scopes=LENDING_SCOPES),
    _a("lending.statistics", "查看信易贷统计", {"admin", "reviewer", "auditor"}, ADMIN_SCOPES),
)

ACTIONS: dict[str, Action] = {a.code: a for a in _ACTIONS}


def action(code: str) -> Action:
    try:
        return ACTIONS[code]
    except KeyError:
        raise KeyError(f"权限模型中没有操作“{code}”") from None
