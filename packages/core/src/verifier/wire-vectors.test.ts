import { describeWireVectors } from '../testing/describe-wire-vectors.ts'

// The suite @ajwt/core/testing ships (other runtimes run it too), here on each signature backend
// of the vitest projects: every Python vector, the replay vector, the scheme's case and the
// fingerprint of every key format.
describeWireVectors('@ajwt/core')
