"""Editors' and admins' endpoints: articles, the site policy, and bans."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from parley.domain.access import BanService
from parley.domain.articles import ArticleService
from parley.domain.moderation import ModerationService
from parley.domain.records import Clock, Role, Token
from parley.http.admin_schemas import ArticleIn, ArticlePatch, BanIn, BanList, BanOut, PolicyChanges, PolicyDocument
from parley.http.errors import problems
from parley.http.guards import refusals, requirement, requires
from parley.http.params import AdminLimit, BanAddress, BanComment, BanEmail, Cursor, IdPath, SlugPath
from parley.http.schemas import ArticleOut


class ArticlesAdminController(Controller):
    path = "/api/v1/admin/articles"
    tags = ["administration"]
    guards = [requires(Role.ADMIN)]
    security = requirement(Role.ADMIN)

    @post(status_code=HTTP_201_CREATED, responses=problems(*refusals(Role.ADMIN), 409, 413, 415, 422))
    async def create_article(
        self,
        data: JSONBody[ArticleIn],
        articles: NamedDependency[ArticleService],
        clock: NamedDependency[Clock],
        moderator: NamedDependency[Token],
    ) -> ArticleOut:
        """Publish an article (or schedule it with a later `published_at`)."""
        return ArticleOut.from_view(await articles.create(data.to_draft(clock()), actor=moderator.name))

    @get("/{slug:str}", responses=problems(*refusals(Role.ADMIN), 404, 422))
    async def read_article(self, slug: SlugPath, articles: NamedDependency[ArticleService]) -> ArticleOut:
        """An article as its editors see it, scheduled or not."""
        return ArticleOut.from_view(await articles.view(slug, editor=True))

    @patch("/{slug:str}", responses=problems(*refusals(Role.ADMIN), 404, 413, 415, 422))
    async def update_article(
        self,
        slug: SlugPath,
        data: JSONBody[ArticlePatch],
        articles: NamedDependency[ArticleService],
        moderator: NamedDependency[Token],
    ) -> ArticleOut:
        """Change an article, open or close its comments, or set its moderation (`pre`, `post`, `inherit`)."""
        return ArticleOut.from_view(await articles.update(slug, data.to_changes(), actor=moderator.name))


class PolicyController(Controller):
    path = "/api/v1/admin/policy"
    tags = ["administration"]
    guards = [requires(Role.ADMIN)]
    security = requirement(Role.ADMIN)

    @get(responses=problems(*refusals(Role.ADMIN)))
    async def read_policy(self, moderation_service: NamedDependency[ModerationService]) -> PolicyDocument:
        """The site's moderation policy."""
        return PolicyDocument.of(await moderation_service.policy())

    @put(responses=problems(*refusals(Role.ADMIN), 413, 415, 422))
    async def replace_policy(
        self,
        data: JSONBody[PolicyDocument],
        moderation_service: NamedDependency[ModerationService],
        moderator: NamedDependency[Token],
    ) -> PolicyDocument:
        """Replace the whole policy: every setting must be sent (422 names those missing); to change only some,
        PATCH them."""
        return PolicyDocument.of(await moderation_service.set_policy(data.to_policy(), moderator.name))

    @patch(responses=problems(*refusals(Role.ADMIN), 413, 415, 422))
    async def change_policy(
        self,
        data: JSONBody[PolicyChanges],
        moderation_service: NamedDependency[ModerationService],
        moderator: NamedDependency[Token],
    ) -> PolicyDocument:
        """Change the settings sent and keep the others; the audit log names each setting that changed."""
        return PolicyDocument.of(await moderation_service.amend_policy(data.named(), moderator.name))


class BansController(Controller):
    path = "/api/v1/admin/bans"
    tags = ["moderation"]
    guards = [requires(Role.MODERATOR)]
    security = requirement(Role.MODERATOR)

    @get(responses=problems(*refusals(Role.MODERATOR), 422))
    async def list_bans(
        self,
        bans: NamedDependency[BanService],
        limit: AdminLimit = 50,
        cursor: Cursor = None,
        email: BanEmail = None,
        address: BanAddress = None,
        comment_id: BanComment = None,
    ) -> BanList:
        """Bans in force, oldest first; expired and lifted ones are left out. Filter by what they name."""
        page = await bans.active(cursor=cursor, limit=limit, email=email, address=address, comment_id=comment_id)
        return BanList.of(page, BanOut.from_domain)

    @post(status_code=HTTP_201_CREATED, responses=problems(*refusals(Role.MODERATOR), 404, 413, 415, 422))
    async def create_ban(
        self, data: JSONBody[BanIn], bans: NamedDependency[BanService], moderator: NamedDependency[Token]
    ) -> BanOut:
        """Ban the author of a comment, or an e-mail and a network, until `expires_at` or until lifted."""
        ban = await bans.ban(
            email=data.email,
            address=data.address,
            comment_id=None if data.comment_id is None else int(data.comment_id),
            reason=data.reason,
            expires_at=data.expires_at,
            actor=moderator.name,
        )
        return BanOut.from_domain(ban)

    @get("/{ban_id:int}", responses=problems(*refusals(Role.MODERATOR), 404, 422))
    async def read_ban(self, ban_id: IdPath, bans: NamedDependency[BanService]) -> BanOut:
        return BanOut.from_domain(await bans.get(ban_id))

    @delete("/{ban_id:int}", status_code=HTTP_204_NO_CONTENT, responses=problems(*refusals(Role.MODERATOR), 404, 422))
    async def lift_ban(
        self, ban_id: IdPath, bans: NamedDependency[BanService], moderator: NamedDependency[Token]
    ) -> None:
        """Lift a ban at once."""
        await bans.lift(ban_id, moderator.name)
