-- End-to-end test of the Neovim setup against a language server: opens a policy, waits for the
-- client to attach and for diagnostics, asks for a hover and for completion after a `.`, and
-- writes what Neovim received as JSON. Exits 0 when all three arrived, 1 on an error or timeout
-- (the JSON then says which step failed and holds what had arrived).
--
--   TOLLGATE_E2E_FILE=policy.tg TOLLGATE_E2E_OUT=out.json \
--     nvim --headless -u NONE --cmd 'set rtp+=editors/nvim' -c 'luafile editors/nvim/test/e2e.lua'
--
-- Environment:
--   TOLLGATE_E2E_FILE        the .tg file to open (required)
--   TOLLGATE_E2E_OUT         where to write the JSON report (required)
--   TOLLGATE_E2E_CMD         the server command as a JSON array (default: the plugin's own,
--                            `tollgate lsp` or vim.g.tollgate_server_path)
--   TOLLGATE_E2E_HOVER       LINE:COL (1-based) to hover at (default: the first `image.`)
--   TOLLGATE_E2E_COMPLETION  LINE:COL (1-based) to complete at, right after a `.` (default:
--                            just after the first `image.`)
--   TOLLGATE_E2E_TIMEOUT_MS  how long each step may wait (default 20000)

local report = { steps = {} }
local timeout_ms = tonumber(os.getenv('TOLLGATE_E2E_TIMEOUT_MS') or '') or 20000

local function finish(code)
  local out = os.getenv('TOLLGATE_E2E_OUT')
  if out ~= nil and out ~= '' then
    local file = io.open(out, 'w')
    if file ~= nil then
      file:write(vim.fn.json_encode(report))
      file:close()
    else
      io.stderr:write('e2e: cannot write `' .. out .. '`\n')
      code = 1
    end
  end
  if code == 0 then
    vim.cmd('qall!')
  else
    vim.cmd('cquit ' .. code)
  end
end

local function fail(step, message)
  report.failed_step = step
  report.error = message
  io.stderr:write(string.format('e2e: %s: %s\n', step, message))
  finish(1)
end

--- The first position (0-based line and character) of `needle` in the buffer, or nil.
local function find_text(bufnr, needle)
  for index, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    local col = line:find(needle, 1, true)
    if col ~= nil then
      return { line = index - 1, character = col - 1 }
    end
  end
  return nil
end

--- `LINE:COL` (1-based) from the environment as an LSP position, or nil when unset.
local function env_position(name)
  local value = os.getenv(name)
  if value == nil or value == '' then
    return nil
  end
  local line, col = value:match('^(%d+):(%d+)$')
  if line == nil then
    error(string.format('%s is `%s`, not LINE:COL', name, value))
  end
  return { line = tonumber(line) - 1, character = tonumber(col) - 1 }
end

--- The text of a hover result, whatever shape its `contents` has.
local function hover_text(contents)
  if type(contents) == 'string' then
    return contents
  end
  if type(contents) ~= 'table' then
    return ''
  end
  if contents.value ~= nil then
    return contents.value
  end
  local parts = {}
  for _, part in ipairs(contents) do
    table.insert(parts, hover_text(part))
  end
  return table.concat(parts, '\n')
end

--- Sends a request to the one client and waits for its answer.
local function request(bufnr, method, params)
  local responses, err = vim.lsp.buf_request_sync(bufnr, method, params, timeout_ms)
  if responses == nil then
    return nil, 'no response to ' .. method .. ': ' .. tostring(err)
  end
  for _, response in pairs(responses) do
    if response.error ~= nil then
      return nil, method .. ' failed: ' .. vim.inspect(response.error)
    end
    return response.result, nil
  end
  return nil, 'no client answered ' .. method
end

local function run()
  local path = os.getenv('TOLLGATE_E2E_FILE')
  if path == nil or path == '' then
    return fail('setup', 'TOLLGATE_E2E_FILE is not set')
  end
  if os.getenv('TOLLGATE_E2E_OUT') == nil then
    return fail('setup', 'TOLLGATE_E2E_OUT is not set')
  end

  -- Load the plugin the way a user's config does: filetype detection and plugin/ from the rtp.
  vim.cmd('filetype plugin on')
  vim.cmd('syntax on')
  vim.cmd('runtime plugin/tollgate.lua')
  local cmd_json = os.getenv('TOLLGATE_E2E_CMD')
  if cmd_json ~= nil and cmd_json ~= '' then
    require('tollgate').setup({ cmd = vim.fn.json_decode(cmd_json) })
  end
  report.server_cmd = require('tollgate').server_cmd()

  vim.cmd('edit ' .. vim.fn.fnameescape(path))
  local bufnr = vim.api.nvim_get_current_buf()
  report.file = vim.api.nvim_buf_get_name(bufnr)
  report.filetype = vim.bo[bufnr].filetype
  table.insert(report.steps, 'opened')
  if report.filetype ~= 'tollgate' then
    return fail('filetype', 'filetype is `' .. report.filetype .. '`, not `tollgate`')
  end

  -- 1. The client attaches and the server finishes `initialize`.
  local client = nil
  local attached = vim.wait(timeout_ms, function()
    for _, c in pairs(vim.lsp.buf_get_clients(bufnr)) do
      if c.initialized and c.server_capabilities ~= nil then
        client = c
        return true
      end
    end
    return false
  end, 20)
  if not attached then
    return fail('attach', 'no initialized client attached within ' .. timeout_ms .. ' ms')
  end
  report.client = {
    name = client.name,
    root_dir = client.config.root_dir,
    capabilities = {
      hover = client.server_capabilities.hoverProvider ~= nil and client.server_capabilities.hoverProvider ~= false,
      completion = client.server_capabilities.completionProvider ~= nil,
    },
  }
  table.insert(report.steps, 'attached')

  -- 2. Diagnostics arrive through `textDocument/publishDiagnostics`.
  local got_diagnostics = vim.wait(timeout_ms, function()
    return #vim.diagnostic.get(bufnr) > 0
  end, 20)
  if not got_diagnostics then
    return fail('diagnostics', 'no diagnostics within ' .. timeout_ms .. ' ms')
  end
  report.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(report.diagnostics, {
      lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
      severity = d.severity, message = d.message, code = d.code, source = d.source,
    })
  end
  table.insert(report.steps, 'diagnostics')

  -- 3. Hover.
  local anchor = find_text(bufnr, 'image.')
  local hover_at = env_position('TOLLGATE_E2E_HOVER') or anchor
  if hover_at == nil then
    return fail('hover', 'no TOLLGATE_E2E_HOVER and no `image.` in the file to hover on')
  end
  local hover, hover_err = request(bufnr, 'textDocument/hover', {
    textDocument = vim.lsp.util.make_text_document_params(bufnr),
    position = hover_at,
  })
  if hover_err ~= nil then
    return fail('hover', hover_err)
  end
  if hover == nil or hover == vim.NIL then
    return fail('hover', 'the server had no hover at ' .. vim.inspect(hover_at))
  end
  report.hover = { position = hover_at, text = hover_text(hover.contents) }
  table.insert(report.steps, 'hover')

  -- 4. Completion right after a `.`, as if the user had just typed it.
  local complete_at = env_position('TOLLGATE_E2E_COMPLETION')
  if complete_at == nil and anchor ~= nil then
    complete_at = { line = anchor.line, character = anchor.character + #'image.' }
  end
  if complete_at == nil then
    return fail('completion', 'no TOLLGATE_E2E_COMPLETION and no `image.` in the file')
  end
  local completion, completion_err = request(bufnr, 'textDocument/completion', {
    textDocument = vim.lsp.util.make_text_document_params(bufnr),
    position = complete_at,
    context = { triggerKind = 2, triggerCharacter = '.' },
  })
  if completion_err ~= nil then
    return fail('completion', completion_err)
  end
  local items = (type(completion) == 'table' and completion.items) or completion
  if type(items) ~= 'table' or #items == 0 then
    return fail('completion', 'no completion items at ' .. vim.inspect(complete_at))
  end
  report.completion = { position = complete_at, items = {} }
  for _, item in ipairs(items) do
    table.insert(report.completion.items, { label = item.label, kind = item.kind, detail = item.detail })
  end
  table.insert(report.steps, 'completion')

  finish(0)
end

local ok, err = pcall(run)
if not ok then
  fail('error', tostring(err))
end
