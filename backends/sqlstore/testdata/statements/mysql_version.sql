-- get
SELECT `value` FROM `kv` WHERE `key` = ? AND (`expires_at` IS NULL OR `expires_at` > ?);
-- exists
SELECT 1 FROM `kv` WHERE `key` = ? AND (`expires_at` IS NULL OR `expires_at` > ?);
-- set
INSERT INTO `kv` (`key`, `value`, `expires_at`, `ver`) VALUES (?, ?, ?, CAST(UNIX_TIMESTAMP(NOW(6)) * 1000000 AS SIGNED)) ON DUPLICATE KEY UPDATE `value` = VALUES(`value`), `expires_at` = VALUES(`expires_at`), `ver` = COALESCE(`ver`, 0) + 1;
-- delete
DELETE FROM `kv` WHERE `key` = ? AND (`expires_at` IS NULL OR `expires_at` > ?);
-- clear
DELETE FROM `kv`;
-- cleanup
DELETE FROM `kv` WHERE `expires_at` <= ? LIMIT 1000;
-- entry
SELECT `value`, `expires_at`, COALESCE(`ver`, 0) FROM `kv` WHERE `key` = ? AND (`expires_at` IS NULL OR `expires_at` > ?);
-- ttl
SELECT `expires_at` FROM `kv` WHERE `key` = ? AND (`expires_at` IS NULL OR `expires_at` > ?);
-- count
SELECT count(*) FROM `kv` WHERE (`expires_at` IS NULL OR `expires_at` > ?);
-- list
SELECT `key`, `value`, `expires_at`, COALESCE(`ver`, 0) FROM `kv` WHERE `key` >= ? AND `key` > ? AND (`expires_at` IS NULL OR `expires_at` > ?) ORDER BY `key` LIMIT ?;
-- listTo
SELECT `key`, `value`, `expires_at`, COALESCE(`ver`, 0) FROM `kv` WHERE `key` >= ? AND `key` > ? AND `key` < ? AND (`expires_at` IS NULL OR `expires_at` > ?) ORDER BY `key` LIMIT ?;
-- putIfVersion
UPDATE `kv` SET `value` = ?, `expires_at` = ?, `ver` = COALESCE(`ver`, 0) + 1 WHERE `key` = ? AND `ver` = ? AND (`expires_at` IS NULL OR `expires_at` > ?);
-- lock
SELECT `value`, `expires_at`, COALESCE(`ver`, 0) FROM `kv` WHERE `key` = ? FOR UPDATE;
-- update
UPDATE `kv` SET `value` = ?, `expires_at` = ?, `ver` = COALESCE(`ver`, 0) + 1 WHERE `key` = ?;
-- touch
UPDATE `kv` SET `expires_at` = ?, `ver` = COALESCE(`ver`, 0) + 1 WHERE `key` = ?;
-- insert
INSERT INTO `kv` (`key`, `value`, `expires_at`, `ver`) VALUES (?, ?, ?, CAST(UNIX_TIMESTAMP(NOW(6)) * 1000000 AS SIGNED));
