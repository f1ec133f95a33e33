// The fixture's input rules (lib/inputs).
import { text } from '@eventzr/lib/inputs';
import { z } from 'zod';

export { isUuid, parseInput } from '@eventzr/lib/inputs';

export const addNoteInput = (maxLength: number) => z.object({ body: text({ trim: true, min: 1, max: maxLength }) });
