/** Events are handed to the engine through the store (`src/store/tasks/event-tasks.ts`). */
export { type EnqueueEventInput, enqueueEvent, eventTaskKey } from '../store/tasks/event-tasks.ts';
