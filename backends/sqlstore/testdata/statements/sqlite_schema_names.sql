-- get
SELECT "v" FROM "app"."kv" WHERE "k" = ? AND ("exp" IS NULL OR "exp" > ?);
-- exists
SELECT 1 FROM "app"."kv" WHERE "k" = ? AND ("exp" IS NULL OR "exp" > ?);
-- set
INSERT INTO "app"."kv" ("k", "v", "exp", "version") VALUES (?, ?, ?, (random() & 4611686018427387903)) ON CONFLICT ("k") DO UPDATE SET "v" = excluded."v", "exp" = excluded."exp", "version" = COALESCE("version", 0) + 1;
-- delete
DELETE FROM "app"."kv" WHERE "k" = ? AND ("exp" IS NULL OR "exp" > ?);
-- clear
DELETE FROM "app"."kv";
-- cleanup
DELETE FROM "app"."kv" WHERE "k" IN (SELECT "k" FROM "app"."kv" WHERE "exp" <= ? LIMIT 1000);
-- entry
SELECT "v", "exp", COALESCE("version", 0) FROM "app"."kv" WHERE "k" = ? AND ("exp" IS NULL OR "exp" > ?);
-- ttl
SELECT "exp" FROM "app"."kv" WHERE "k" = ? AND ("exp" IS NULL OR "exp" > ?);
-- count
SELECT count(*) FROM "app"."kv" WHERE ("exp" IS NULL OR "exp" > ?);
-- list
SELECT "k", "v", "exp", COALESCE("version", 0) FROM "app"."kv" WHERE "k" >= ? AND "k" > ? AND ("exp" IS NULL OR "exp" > ?) ORDER BY "k" LIMIT ?;
-- listTo
SELECT "k", "v", "exp", COALESCE("version", 0) FROM "app"."kv" WHERE "k" >= ? AND "k" > ? AND "k" < ? AND ("exp" IS NULL OR "exp" > ?) ORDER BY "k" LIMIT ?;
-- putIfAbsent
INSERT INTO "app"."kv" ("k", "v", "exp", "version") VALUES (?, ?, ?, (random() & 4611686018427387903)) ON CONFLICT ("k") DO UPDATE SET "v" = excluded."v", "exp" = excluded."exp", "version" = COALESCE("version", 0) + 1 WHERE "exp" IS NOT NULL AND "exp" <= ? RETURNING "version", "exp";
-- putReturning
INSERT INTO "app"."kv" ("k", "v", "exp", "version") VALUES (?, ?, ?, (random() & 4611686018427387903)) ON CONFLICT ("k") DO UPDATE SET "v" = excluded."v", "exp" = excluded."exp", "version" = COALESCE("version", 0) + 1 RETURNING "version", "exp";
-- putIfVersion
UPDATE "app"."kv" SET "v" = ?, "exp" = ?, "version" = COALESCE("version", 0) + 1 WHERE "k" = ? AND "version" = ? AND ("exp" IS NULL OR "exp" > ?);
-- expire
UPDATE "app"."kv" SET "exp" = ?, "version" = COALESCE("version", 0) + 1 WHERE "k" = ? AND ("exp" IS NULL OR "exp" > ?);
-- lock
SELECT "v", "exp", COALESCE("version", 0) FROM "app"."kv" WHERE "k" = ?;
-- update
UPDATE "app"."kv" SET "v" = ?, "exp" = ?, "version" = COALESCE("version", 0) + 1 WHERE "k" = ?;
-- touch
UPDATE "app"."kv" SET "exp" = ?, "version" = COALESCE("version", 0) + 1 WHERE "k" = ?;
-- insert
INSERT INTO "app"."kv" ("k", "v", "exp", "version") VALUES (?, ?, ?, (random() & 4611686018427387903)) ON CONFLICT ("k") DO NOTHING;
