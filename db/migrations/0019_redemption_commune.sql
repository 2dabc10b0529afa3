-- The commune where a pass was used, as it was that day. A site may later move to another commune;
-- where a use happened must not move with it (the territory it was judged eligible in, and the
-- usage dashboard's "where" counts, which the masking needs to only grow).
ALTER TABLE `redemptions` ADD `commune_code` text;--> statement-breakpoint
UPDATE `redemptions` SET `commune_code` = (SELECT `commune_code` FROM `place_sites` WHERE `place_sites`.`id` = `redemptions`.`site_id`);
