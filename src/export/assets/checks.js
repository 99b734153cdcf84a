// promptfoo assertions on a reply's tool call, written by `coverage export
// --to promptfoo`: the same call, name and argument checks as the coverage
// grader (spec evaluation.md §3). The facts are checked by grader.py.
//
// A tool-calling reply reaches an assertion in one of two shapes: the
// list of tool calls alone (a reply with no words), or the whole message
// {content, tool_calls} (words and calls). Words alone are a string.

'use strict';

function reply(output) {
  if (typeof output === 'string') {
    const text = output.trim();
    if (text.startsWith('[') || text.startsWith('{')) {
      try {
        return reply(JSON.parse(text));
      } catch (_) {
        // Words that happen to start with a bracket.
      }
    }
    return { text: output, calls: [] };
  }
  if (Array.isArray(output)) return { text: '', calls: output.map(callOf) };
  if (output && typeof output === 'object') {
    return { text: output.content || '', calls: (output.tool_calls || []).map(callOf) };
  }
  return { text: '', calls: [] };
}

function callOf(call) {
  const fn = (call && call.function) || call || {};
  return { name: fn.name || '', arguments: fn.arguments };
}

// JSON with its numbers kept as written: the grader tells 1 from 1.0, as
// serde_json does, and JSON.parse cannot.
function parseJson(text) {
  let i = 0;
  const fail = () => {
    throw new Error('not JSON');
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const value = () => {
    space();
    const c = text[i];
    if (c === '{') {
      i++;
      const object = {};
      space();
      if (text[i] === '}') return i++, object;
      for (;;) {
        space();
        if (text[i] !== '"') fail();
        const key = string();
        space();
        if (text[i++] !== ':') fail();
        object[key] = value();
        space();
        if (text[i] === ',') i++;
        else if (text[i++] === '}') return object;
        else fail();
      }
    }
    if (c === '[') {
      i++;
      const list = [];
      space();
      if (text[i] === ']') return i++, list;
      for (;;) {
        list.push(value());
        space();
        if (text[i] === ',') i++;
        else if (text[i++] === ']') return list;
        else fail();
      }
    }
    if (c === '"') return string();
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?)/.exec(text.slice(i));
    if (!literal) fail();
    i += literal[0].length;
    if (literal[0] === 'true') return true;
    if (literal[0] === 'false') return false;
    if (literal[0] === 'null') return null;
    return { number: Number(literal[0]), float: Boolean(literal[1] || literal[2]) };
  };
  const string = () => {
    const match = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/.exec(text.slice(i));
    if (!match) fail();
    i += match[0].length;
    return JSON.parse(match[0]);
  };
  const result = value();
  space();
  if (i !== text.length) fail();
  return result;
}

// Arguments as an object of kept numbers, or null when not a JSON object.
function argumentsOf(raw) {
  let value;
  if (typeof raw === 'string') {
    try {
      value = parseJson(raw);
    } catch (_) {
      return null;
    }
  } else {
    value = keep(raw);
  }
  return value && typeof value === 'object' && !Array.isArray(value) && !isNumber(value)
    ? value
    : null;
}

// A value already parsed (the expected one): whole numbers read as integers.
function keep(value) {
  if (typeof value === 'number') return { number: value, float: !Number.isInteger(value) };
  if (Array.isArray(value)) return value.map(keep);
  if (value && typeof value === 'object') {
    if (isNumber(value)) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, keep(v)]));
  }
  return value === undefined ? null : value;
}

function isNumber(value) {
  return value !== null && typeof value === 'object' && 'number' in value && 'float' in value &&
    Object.keys(value).length === 2;
}

function same(a, b) {
  if (isNumber(a) || isNumber(b)) {
    return isNumber(a) && isNumber(b) && a.float === b.float && a.number === b.number;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length &&
      a.every((x, k) => same(x, b[k]));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return same(ka, kb) && ka.every((k) => same(a[k], b[k]));
  }
  return a === b;
}

// As serde_json writes a value: what `set` compares and reasons show.
function text(value) {
  if (isNumber(value)) {
    return value.float && Number.isInteger(value.number)
      ? value.number.toFixed(1)
      : String(value.number);
  }
  if (Array.isArray(value)) return '[' + value.map(text).join(',') + ']';
  if (value && typeof value === 'object') {
    return '{' + Object.entries(value).map(([k, v]) => JSON.stringify(k) + ':' + text(v)).join(',') + '}';
  }
  return JSON.stringify(value === undefined ? null : value);
}

function agrees(how, got, want) {
  switch (how) {
    case 'exact':
      return same(got, want);
    case 'money':
      return isNumber(got) && isNumber(want) && Math.abs(got.number - want.number) <= 0.005 + 1e-9;
    case 'set': {
      if (!Array.isArray(got)) return false;
      const items = (v) => (Array.isArray(v) ? v.map(text).sort() : []);
      return same(items(got), items(want));
    }
    case 'ignore':
      return got !== null && got !== undefined;
    default:
      return false;
  }
}

function result(pass, reason) {
  return { pass, score: pass ? 1 : 0, reason };
}

// The graded call: the last, when its arguments are a JSON object.
function graded(output) {
  const { calls } = reply(output);
  const last = calls[calls.length - 1];
  return { calls, last, args: last ? argumentsOf(last.arguments) : null };
}

// Not named `call`: promptfoo looks an exported name up on the function
// it imported, and every function has a `call`, which it would run instead.
function endsWithOneCall(output) {
  const { calls, last, args } = graded(output);
  if (!last) return result(false, 'the reply ends with no call');
  if (!args) return result(false, `the arguments of ${last.name} do not parse as a JSON object`);
  if (calls.length > 1) {
    return result(false, `${calls.length} calls; a reply ends with exactly one (the last was graded)`);
  }
  return result(true, `calls ${last.name}`);
}

function name(output, context) {
  const { last, args } = graded(output);
  const want = context.config.name;
  if (!last || !args) return result(false, 'no call to check');
  return result(last.name === want, `${last.name}, expected ${want}`);
}

function argument(output, context) {
  const { last, args } = graded(output);
  const { name: want, argument: key, how } = context.config;
  if (!last || !args) return result(false, 'no call to check');
  const got = key in args ? args[key] : null;
  // As JSON text: YAML would read 154.0 back as the integer 154.
  const expected = parseJson(context.config.want_json);
  const pass = last.name === want && agrees(how, got, expected);
  const reason = how === 'money'
    ? `${key} ${text(got)}, expected ${text(expected)} ± 0.005`
    : how === 'ignore'
      ? `${key} present: ${got !== null}`
      : `${key} ${text(got)}, expected ${text(expected)}`;
  return result(pass, reason);
}

module.exports = { endsWithOneCall, name, argument, reply, parseJson };
