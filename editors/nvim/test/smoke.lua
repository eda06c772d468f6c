-- Headless smoke test of the Neovim plugin: with only editors/nvim on the runtime path, opening a
-- `.tg` file must set the filetype, the comment settings and the syntax groups, and raise no
-- error. Run by scripts/editors-nvim-test.sh:
--   nvim --headless -u NONE --cmd 'set rtp+=editors/nvim' -c 'luafile editors/nvim/test/smoke.lua' FILE
-- With TOLLGATE_SMOKE_NO_SERVER=1 the server command is a path that does not exist, so the test
-- also proves that a missing server is a warning, not an error.
local failures = {}

local function check(cond, what)
  if not cond then
    table.insert(failures, what)
  end
end

local function syntax_at(pattern)
  -- The syntax group at the first match of `pattern` (a Lua pattern) in the buffer.
  for lnum, line in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
    local col = line:find(pattern)
    if col ~= nil then
      return vim.fn.synIDattr(vim.fn.synID(lnum, col, 1), 'name')
    end
  end
  return '(no match for ' .. pattern .. ')'
end

local ok, err = pcall(function()
  vim.cmd('filetype plugin on')
  vim.cmd('syntax on')
  vim.cmd('runtime plugin/tollgate.lua')
  local warnings = {}
  local notify = vim.notify
  vim.notify = function(msg, level)
    table.insert(warnings, { msg = msg, level = level })
  end
  require('tollgate').setup({ cmd = { '/nonexistent/tollgate', 'lsp' } })
  vim.cmd('edit ' .. vim.fn.fnameescape(os.getenv('TOLLGATE_SMOKE_FILE')))
  vim.notify = notify

  check(vim.g.loaded_tollgate == 1, 'plugin/tollgate.lua was not loaded from the runtime path')
  check(vim.bo.filetype == 'tollgate', 'filetype is `' .. vim.bo.filetype .. '`, not `tollgate`')
  check(vim.bo.commentstring == '// %s', 'commentstring is `' .. vim.bo.commentstring .. '`')
  check(vim.bo.shiftwidth == 2, 'shiftwidth is ' .. vim.bo.shiftwidth)
  check(vim.b.current_syntax == 'tollgate', 'syntax/tollgate.vim was not loaded')
  check(#warnings == 1 and warnings[1].msg:find('/nonexistent/tollgate', 1, true) ~= nil,
    'a missing server did not give exactly one warning naming it: ' .. vim.inspect(warnings))
  check(#vim.lsp.get_active_clients() == 0, 'a client started although the server does not exist')

  local expected = {
    { '^//!', 'tollgateModuleDoc' },
    { '^///', 'tollgateDocComment' },
    { '^deny', 'tollgateRuleAction' },
    { 'root_user$', 'tollgateRuleName' },
    { '@id', 'tollgateAttribute' },
    { 'when', 'tollgateClause' },
    { 'image%.', 'tollgateImage' },
    { '%f[%a]in%f[%A]', 'tollgateOperatorWord' },
    { '"root"', 'tollgateString' },
    { '2027', 'tollgateDate' },
    { 'r"%^', 'tollgateRawString' },
    { 'string%)', 'tollgateType' },
    { '^fn', 'tollgateItem' },
    { 'is_shell', 'tollgateFnName' },
    { 'expect', 'tollgateTest' },
    { 'denies', 'tollgateTest' },
  }
  for _, case in ipairs(expected) do
    local got = syntax_at(case[1])
    check(got == case[2], string.format('syntax at `%s` is `%s`, expected `%s`', case[1], got, case[2]))
  end
end)

if not ok then
  table.insert(failures, 'error: ' .. tostring(err))
end
if vim.v.errmsg ~= '' then
  table.insert(failures, 'v:errmsg: ' .. vim.v.errmsg)
end
if #failures > 0 then
  io.stderr:write('nvim smoke test failed:\n  ' .. table.concat(failures, '\n  ') .. '\n')
  vim.cmd('cquit 1')
else
  io.stdout:write('nvim smoke test: ok\n')
  vim.cmd('qall!')
end
