from __future__ import annotations

from fastapi import Depends

from xinyong.api.deps import catalog_dep
from xinyong.api.errors import api_router
from xinyong.api.schemas import CatalogItemSummary, CatalogOut
from xinyong.catalog.registry import Catalog
from xinyong.catalog.schema import CatalogItem

router = api_router("信用信息资源目录")


def summarize_item(item: CatalogItem) -> CatalogItemSummary:
    return CatalogItemSummary(
        code=item.code,
        catalog_number=item.catalog_number,
        name=item.name,
        category=item.category,
        openness=item.openness.value,
        publicity=item.publicity.rule,
        legal_basis=item.legal_basis,
        update_frequency=item.update_frequency,
        subject_kinds=[k.value for k in item.subject_kinds],
        fields=[f.model_dump(mode="json", exclude_none=True, by_alias=True) for f in item.fields],
    )


@router.get("/catalog", response_model=CatalogOut, summary="目录项清单（含字段定义）")
def list_catalog(catalog: Catalog = Depends(catalog_dep)) -> CatalogOut:
    items = [summarize_item(item) for item in catalog.items.values()]
    return CatalogOut(items=items, total=len(items))
