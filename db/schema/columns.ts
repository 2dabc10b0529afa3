import { integer, text, type AnySQLiteColumn } from 'drizzle-orm/sqlite-core';

/**
 * Mandatory links to another table. Most tables point at their order, buyer, booklet or user this
 * way; one builder keeps each link a single line. Each call makes a fresh column builder: drizzle
 * builders must not be shared between tables.
 */
export const requiredTextRef = <Name extends string>(name: Name, target: () => AnySQLiteColumn) => text(name).notNull().references(target);

export const requiredIntegerRef = <Name extends string>(name: Name, target: () => AnySQLiteColumn) => integer(name).notNull().references(target);
