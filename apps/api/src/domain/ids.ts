import { v7 as uuidv7 } from 'uuid';

/** Resource ids: a type prefix and a UUIDv7, so ids sort by creation and say what they name. */
export const resourceId = (prefix: string): string => `${prefix}_${uuidv7().replace(/-/g, '')}`;
