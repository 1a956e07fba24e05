import express from 'express'
import { describeExpress } from '../test/describe-express.ts'

// The suite on Express 5; express4.test.ts runs the same on Express 4.
describeExpress('Express 5', express)
