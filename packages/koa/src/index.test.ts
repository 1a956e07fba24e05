import Koa from 'koa'
import { describeKoa } from '../test/describe-koa.ts'

// The suite on Koa 3; koa2.test.ts runs the same on Koa 2.
describeKoa('Koa 3', Koa)
