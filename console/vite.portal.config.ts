import { appConfig } from './vite.config.ts'

export default appConfig('portal')
