--[[
gpusched-slurm's submit filter (docs/slurm.md). Install it as job_submit.lua
next to slurm.conf and set JobSubmitPlugins=lua.

A job that asks for GPUs per job or per node (--gpus, --gpus-per-node,
--gres=gpu:N) is held (priority 0) and its request is moved into its
admin_comment, where gpusched-slurm reads it:

    gpusched:v1 job=TRES node=TRES cpg=TRES mpg=TRES

(TRES strings as Slurm wrote them, "-" for none: the GPU entry of
tres_per_job and of tres_per_node, and of cpus_per_tres and mem_per_tres).
The GPU entries are taken off the job, so that gpusched-slurm can give it
exact GPUs by type; the other entries stay. gpusched-slurm releases the job
onto the nodes and GPUs it chose, or with this same request when Slurm
should place it (gpusched-slurm --release-all).

Left to Slurm, untouched: jobs without GPUs, GPUs per task or per socket,
jobs held by their user (sbatch -H), jobs with an admin_comment already, and
every job while gpusched-slurm has not written its heartbeat for
FAIL_OPEN_AFTER seconds (fail-open: Slurm then places GPU jobs itself).
--]]

-- Where gpusched-slurm writes its heartbeat (its "heartbeat" setting).
local HEARTBEAT = "/run/gpusched-slurm/heartbeat"
-- Seconds without a heartbeat after which new jobs are left to Slurm.
local FAIL_OPEN_AFTER = 60

local MARK = "gpusched:v1"
local NO_VAL = 4294967294

-- Whether gpusched-slurm is running: its heartbeat file holds a recent
-- Unix time.
local function daemon_alive()
   local f = io.open(HEARTBEAT, "r")
   if f == nil then
      return false
   end
   local t = tonumber(f:read("*l") or "")
   f:close()
   return t ~= nil and os.time() - t <= FAIL_OPEN_AFTER
end

-- The GPU entry of a TRES list ("gres:gpu:2", "gres/gpu:v100:2") and the
-- list without it.
local function split_gpu(tres)
   if tres == nil or tres == "" then
      return nil, ""
   end
   local gpu = nil
   local rest = {}
   for item in string.gmatch(tres, "[^,]+") do
      if string.find(item, "^gres[:/]gpu$") or
         string.find(item, "^gres[:/]gpu:") then
         gpu = item
      else
         rest[#rest + 1] = item
      end
   end
   return gpu, table.concat(rest, ",")
end

local function value(s)
   if s == nil or s == "" then
      return "-"
   end
   return s
end

function slurm_job_submit(job_desc, part_list, submit_uid)
   local jgpu, jrest = split_gpu(job_desc.tres_per_job)
   local ngpu, nrest = split_gpu(job_desc.tres_per_node)
   if jgpu == nil and ngpu == nil then
      return slurm.SUCCESS
   end
   local tgpu = split_gpu(job_desc.tres_per_task)
   local sgpu = split_gpu(job_desc.tres_per_socket)
   if tgpu ~= nil or sgpu ~= nil then
      return slurm.SUCCESS
   end
   if job_desc.priority == 0 then
      return slurm.SUCCESS -- held by its user: Slurm's when released
   end
   if job_desc.admin_comment ~= nil and job_desc.admin_comment ~= "" then
      return slurm.SUCCESS
   end
   if not daemon_alive() then
      slurm.log_info("gpusched: no heartbeat in %s for %d s: job %s left "
                     .. "to Slurm", HEARTBEAT, FAIL_OPEN_AFTER,
                     tostring(job_desc.name))
      return slurm.SUCCESS
   end
   local cgpu, crest = split_gpu(job_desc.cpus_per_tres)
   local mgpu, mrest = split_gpu(job_desc.mem_per_tres)
   job_desc.admin_comment = MARK .. " job=" .. value(jgpu) .. " node="
      .. value(ngpu) .. " cpg=" .. value(cgpu) .. " mpg=" .. value(mgpu)
   job_desc.tres_per_job = jrest
   job_desc.tres_per_node = nrest
   if cgpu ~= nil then
      job_desc.cpus_per_tres = crest
   end
   if mgpu ~= nil then
      job_desc.mem_per_tres = mrest
   end
   job_desc.priority = 0
   return slurm.SUCCESS
end

function slurm_job_modify(job_desc, job_rec, part_list, modify_uid)
   return slurm.SUCCESS
end

slurm.log_info("gpusched: submit filter loaded (heartbeat %s, fail-open "
               .. "after %d s)", HEARTBEAT, FAIL_OPEN_AFTER)
return slurm.SUCCESS
