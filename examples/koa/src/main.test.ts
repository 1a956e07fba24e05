import { describeExample } from '@ajwt/example-kit/test'

describeExample(new URL('..', import.meta.url))
