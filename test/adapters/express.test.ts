import express from 'express';

import { expressRoutesSuite } from './express-routes-suite.js';
import { expressAdapterSuite } from './express-suite.js';

expressAdapterSuite('Express 5', express);
expressRoutesSuite('Express 5', express);
