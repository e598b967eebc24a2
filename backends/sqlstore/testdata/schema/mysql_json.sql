CREATE TABLE IF NOT EXISTS `kv_store` (
    `key` VARBINARY(255) NOT NULL PRIMARY KEY,
    `value` JSON NOT NULL,
    `expires_at` BIGINT NULL,
    INDEX `kv_store_expires_at_idx` (`expires_at`)
) ENGINE=InnoDB;
