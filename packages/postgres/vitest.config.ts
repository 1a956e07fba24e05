import { serviceTestConfig } from '@ajwt/test-utils/vitest-config'

export default serviceTestConfig()
