// This repository installs Express 4 under the alias `express4` (beside Express 5), without
// types of its own: the example and the tests type it with Express 5's, which cover every call
// they make.
declare module 'express4' {
  import express from 'express';
  export default express;
}
