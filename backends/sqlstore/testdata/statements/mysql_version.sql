-- get
SELECT `value` FROM `kv` WHERE `key` = ? AND (`expires_at` IS NULL OR `expires_at` > (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000));
-- exists
SELECT 1 FROM `kv` WHERE `key` = ? AND (`expires_at` IS NULL OR `expires_at` > (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000));
-- set
INSERT INTO `kv` (`key`, `value`, `expires_at`, `ver`) VALUES (?, ?, (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000) + ?, CAST(UNIX_TIMESTAMP(NOW(6)) * 1000000 AS SIGNED)) ON DUPLICATE KEY UPDATE `value` = VALUES(`value`), `expires_at` = VALUES(`expires_at`), `ver` = COALESCE(`ver`, 0) + 1;
-- delete
DELETE FROM `kv` WHERE `key` = ? AND (`expires_at` IS NULL OR `expires_at` > (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000));
-- clear
DELETE FROM `kv`;
-- cleanup
DELETE FROM `kv` WHERE `expires_at` <= (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000) LIMIT 1000;
-- entry
SELECT `value`, `expires_at`, COALESCE(`ver`, 0) FROM `kv` WHERE `key` = ? AND (`expires_at` IS NULL OR `expires_at` > (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000));
-- ttl
SELECT `expires_at`, (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000) FROM `kv` WHERE `key` = ? AND (`expires_at` IS NULL OR `expires_at` > (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000));
-- count
SELECT count(*) FROM `kv` WHERE (`expires_at` IS NULL OR `expires_at` > (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000));
-- list
SELECT `key`, `value`, `expires_at`, COALESCE(`ver`, 0) FROM `kv` WHERE `key` >= ? AND `key` > ? AND (`expires_at` IS NULL OR `expires_at` > (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000)) ORDER BY `key` LIMIT ?;
-- listTo
SELECT `key`, `value`, `expires_at`, COALESCE(`ver`, 0) FROM `kv` WHERE `key` >= ? AND `key` > ? AND `key` < ? AND (`expires_at` IS NULL OR `expires_at` > (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000)) ORDER BY `key` LIMIT ?;
-- putIfVersion
UPDATE `kv` SET `value` = ?, `expires_at` = (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000) + ?, `ver` = COALESCE(`ver`, 0) + 1 WHERE `key` = ? AND `ver` = ? AND (`expires_at` IS NULL OR `expires_at` > (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000));
-- lock
SELECT (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000), `kv`.`key` IS NOT NULL, `kv`.`value`, `kv`.`expires_at`, COALESCE(`kv`.`ver`, 0) FROM (SELECT 1) AS luahost_one LEFT JOIN `kv` ON `kv`.`key` = ? FOR UPDATE;
-- update
UPDATE `kv` SET `value` = ?, `expires_at` = ?, `ver` = COALESCE(`ver`, 0) + 1 WHERE `key` = ?;
-- touch
UPDATE `kv` SET `expires_at` = ?, `ver` = COALESCE(`ver`, 0) + 1 WHERE `key` = ?;
-- insert
INSERT INTO `kv` (`key`, `value`, `expires_at`, `ver`) VALUES (?, ?, ?, CAST(UNIX_TIMESTAMP(NOW(6)) * 1000000 AS SIGNED));
