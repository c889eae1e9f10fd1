"""Import every model module so that the metadata (and Alembic) sees all tables."""

from xinyong.accounts import models as accounts_models
from xinyong.audit import models as audit_models
from xinyong.db.base import Base
from xinyong.evaluation import tables as evaluation_tables
from xinyong.exchange import models as exchange_models
from xinyong.gateway import models as gateway_models
from xinyong.graph import models as graph_models
from xinyong.ingest import models as ingest_models
from xinyong.lending import models as lending_models
from xinyong.lists import models as lists_models
from xinyong.measures import models as measures_models
from xinyong.monitoring import models as monitoring_models
from xinyong.news import models as news_models
from xinyong.objections import models as objections_models
from xinyong.privacy import models as privacy_models
from xinyong.publicity import models as publicity_models
from xinyong.records import changes as records_changes
from xinyong.records import models as records_models
from xinyong.repair import models as repair_models
from xinyong.reports import models as reports_models
from xinyong.selfservice import models as selfservice_models
from xinyong.subjects import models as subjects_models
from xinyong.warning import models as warning_models
from xinyong.workflow import WorkflowEvent

__all__ = [
    "Base",
    "WorkflowEvent",
    "accounts_models",
    "audit_models",
    "evaluation_tables",
    "exchange_models",
    "gateway_models",
    "graph_models",
    "ingest_models",
    "lending_models",
    "lists_models",
    "measures_models",
    "monitoring_models",
    "news_models",
    "objections_models",
    "privacy_models",
    "publicity_models",
    "records_changes",
    "records_models",
    "repair_models",
    "reports_models",
    "selfservice_models",
    "subjects_models",
    "warning_models",
]
