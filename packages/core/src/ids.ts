import { v7 } from 'uuid';

/** A UUIDv7: unique, and sorted by creation time, so ids double as paging cursors. */
export const newId = (): string => v7();
