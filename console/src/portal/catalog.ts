import { api, ApiError, type EventType, type Page as ListPage } from '../api.ts'

/** The event-type catalog, or null on a hub that offers none (types are then typed in). */
export async function loadCatalog (): Promise<EventType[] | null> {
  try {
    return (await api<ListPage<EventType>>('/api/v1/event-types', { query: { limit: 500 } })).data
  } catch (err) {
    if (err instanceof ApiError && err.code === 'HOOKHUB_ROUTE_NOT_FOUND') return null
    throw err
  }
}
