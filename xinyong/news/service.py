"""Writing and publishing articles; plain text with blank-line paragraphs (no HTML stored)."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.audit.log import Actor, record_event
from xinyong.clock import utcnow
from xinyong.news.models import Article
from xinyong.permissions import authorize

KINDS = {"policy": "政策法规", "news": "信用动态"}


class ArticleError(ValueError):
    pass


def save_article(
    session: Session,
    actor: Actor,
    kind: str,
    title: str,
    body: str,
    publish: bool,
    article_id: int | None = None,
) -> Article:
    authorize(actor, "article.manage")
    if kind not in KINDS:
        raise ArticleError(f"栏目“{kind}”无效，可选：政策法规（policy）、信用动态（news）")
    if not title.strip() or not body.strip():
        raise ArticleError("标题和正文不能为空")
    article = session.get(Article, article_id) if article_id else None
    if article_id and article is None:
        raise ArticleError(f"文章 {article_id} 不存在")
    if article is None:
        article = Article(kind=kind, title="", body="", author=actor.name)
        session.add(article)
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    article.kind, article.title, article.body = kind, title.strip(), body.strip()
    article.updated_at = utcnow()
    if publish and article.published_at is None:
        article.published_at = utcnow()
    if not publish:
        article.published_at = None
    session.flush()
    record_event(
        session,
        actor,
        "article.save",
        "article",
        article.id,
        detail={"title": article.title, "published": publish},
    )
    return article


def published(session: Session, kind: str | None = None, limit: int = 50) -> list[Article]:
    query = select(Article).where(Article.published_at.is_not(None))
    if kind:
        query = query.where(Article.kind == kind)
    return list(session.execute(query.order_by(Article.published_at.desc()).limit(limit)).scalars())


def paragraphs(article: Article) -> list[str]:
    """The body's paragraphs: split at blank lines, whatever line ends the browser sent (a
    form's textarea sends CRLF)."""
    body = article.body.replace("\r\n", "\n").replace("\r", "\n")
    return [p.strip() for p in re.split(r"\n[ \t\u3000]*\n", body) if p.strip()]
