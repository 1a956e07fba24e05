import { describeWireVectors } from '@ajwt/testing'

// The suite @ajwt/testing ships (other runtimes run it too), here on each signature backend
// of the vitest projects: every Python vector, the replay vector, the scheme's case and the
// fingerprint of every key format.
describeWireVectors('@ajwt/core')
