import { api, type EventType, type Page as ListPage } from '../api.ts'

/** The event-type catalog (its first 500 types, by name). */
export async function loadCatalog (): Promise<EventType[]> {
  return (await api<ListPage<EventType>>('/api/v1/event-types', { query: { limit: 500 } })).data
}
