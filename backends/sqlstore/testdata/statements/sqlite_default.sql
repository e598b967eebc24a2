-- get
SELECT "value" FROM "kv" WHERE "key" = ? AND ("expires_at" IS NULL OR "expires_at" > ?);
-- exists
SELECT 1 FROM "kv" WHERE "key" = ? AND ("expires_at" IS NULL OR "expires_at" > ?);
-- set
INSERT INTO "kv" ("key", "value", "expires_at") VALUES (?, ?, ?) ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value", "expires_at" = excluded."expires_at";
-- delete
DELETE FROM "kv" WHERE "key" = ? AND ("expires_at" IS NULL OR "expires_at" > ?);
-- clear
DELETE FROM "kv";
-- cleanup
DELETE FROM "kv" WHERE "key" IN (SELECT "key" FROM "kv" WHERE "expires_at" <= ? LIMIT 1000);
-- entry
SELECT "value", "expires_at" FROM "kv" WHERE "key" = ? AND ("expires_at" IS NULL OR "expires_at" > ?);
-- ttl
SELECT "expires_at" FROM "kv" WHERE "key" = ? AND ("expires_at" IS NULL OR "expires_at" > ?);
-- count
SELECT count(*) FROM "kv" WHERE ("expires_at" IS NULL OR "expires_at" > ?);
-- list
SELECT "key", "value", "expires_at" FROM "kv" WHERE "key" >= ? AND "key" > ? AND ("expires_at" IS NULL OR "expires_at" > ?) ORDER BY "key" LIMIT ?;
-- listTo
SELECT "key", "value", "expires_at" FROM "kv" WHERE "key" >= ? AND "key" > ? AND "key" < ? AND ("expires_at" IS NULL OR "expires_at" > ?) ORDER BY "key" LIMIT ?;
-- putIfAbsent
INSERT INTO "kv" ("key", "value", "expires_at") VALUES (?, ?, ?) ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value", "expires_at" = excluded."expires_at" WHERE "expires_at" IS NOT NULL AND "expires_at" <= ? RETURNING 1, "expires_at";
-- putReturning
INSERT INTO "kv" ("key", "value", "expires_at") VALUES (?, ?, ?) ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value", "expires_at" = excluded."expires_at" RETURNING 1, "expires_at";
-- expire
UPDATE "kv" SET "expires_at" = ? WHERE "key" = ? AND ("expires_at" IS NULL OR "expires_at" > ?);
-- lock
SELECT "value", "expires_at" FROM "kv" WHERE "key" = ?;
-- update
UPDATE "kv" SET "value" = ?, "expires_at" = ? WHERE "key" = ?;
-- touch
UPDATE "kv" SET "expires_at" = ? WHERE "key" = ?;
-- insert
INSERT INTO "kv" ("key", "value", "expires_at") VALUES (?, ?, ?) ON CONFLICT ("key") DO NOTHING;
