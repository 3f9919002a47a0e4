# mypy: ignore-errors
# ruff: noqa
"""Code under test for the reach cases: what it awaits, and whether it uses the result."""


def make_auth():
    raise RuntimeError("talks to the authorization server: the tests patch it")


class Storage:
    async def upload(self, doc):
        return None


def make_storage():
    return Storage()


class DocumentServer:
    def __init__(self):
        self.auth = make_auth()
        self.storage = make_storage()

    def describe(self):
        return "documents"

    async def list_titles(self):
        return ["d1", "d2"]

    async def edit(self, user, doc, text):
        if not text:
            raise ValueError("empty text")
        return await self._apply(user, doc, text)

    async def _apply(self, user, doc, text):
        can_edit = await self.auth.authorize(user, "editor", doc)
        if not can_edit:  # used
            raise PermissionError(user)
        return f"{doc} edited"

    async def publish(self, user, doc):
        if not await self.auth.authorize(user, "publisher", doc):  # used
            raise PermissionError(user)
        await self.storage.upload(doc)
        return "published"

    async def archive(self, user, doc):
        await self.storage.upload(doc)
        if not await self.auth.authorize(user, "archiver", doc):
            raise PermissionError(user)
        return "archived"

    async def touch(self, user, doc):
        await self.auth.audit(user, doc)  # the result is thrown away
        return doc


class Exporter:
    def __init__(self, store, *, limit=10):
        self.store = store
        self.limit = limit

    async def export(self, user):
        rows = await self.store.list_user_rows(user)
        return [row["id"] for row in rows]  # used

    async def find(self, key):
        found = await self.store.get(key)
        if not found:
            return None
        details = await self.store.details(key)
        return {**found, "details": list(details)}


async def count_rows(store, user):
    rows = await store.count_rows(user)
    return rows + 0  # used
