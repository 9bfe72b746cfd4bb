import { newId } from '@idem/core';

/** Resource ids: a type prefix and a UUIDv7, so ids sort by creation and say what they name. */
export const resourceId = (prefix: string): string => `${prefix}_${newId().replace(/-/g, '')}`;
