import express4 from 'express4';

import { expressRoutesSuite } from './express-routes-suite.js';
import { expressAdapterSuite } from './express-suite.js';

expressAdapterSuite('Express 4', express4);
expressRoutesSuite('Express 4', express4);
